-- Router BMP sessions: one row per router_up, router_init and router_down record.
-- The latest row per router says whether it is connected (argMax(event, (time, seq))).
CREATE TABLE IF NOT EXISTS routers {{on_cluster}}
(
    time              DateTime64(3, 'UTC') CODEC(Delta, ZSTD),
    router            LowCardinality(String),
    session           String,
    seq               UInt64,
    event             Enum8('up' = 1, 'init' = 2, 'down' = 3),
    -- up: the collector's address:port that accepted the session, the router's source port
    local             String,
    remote_port       UInt16,
    -- init: Initiation TLVs (RFC 7854 §4.3)
    sys_name          String,
    sys_descr         String,
    info              Array(String),
    -- down: Termination reason (RFC 7854 §4.5), NULL when the session was lost without one
    termination       Nullable(UInt16),
    termination_name  String,
    cause             String
)
ENGINE = {{engine:MergeTree}}
PARTITION BY toYYYYMM(time)
ORDER BY (router, time, seq)
SETTINGS non_replicated_deduplication_window = 1000;
