-- BGP peers going up and down, as the router reports them (Peer Up / Peer Down, RFC 7854 §4.9-4.10).
CREATE TABLE IF NOT EXISTS peer_events {{on_cluster}}
(
    time                 DateTime64(3, 'UTC') CODEC(Delta, ZSTD),
    router               LowCardinality(String),
    session              String,
    seq                  UInt64,
    router_time          DateTime64(3, 'UTC'),
    event                Enum8('up' = 1, 'down' = 2),
    peer_address         LowCardinality(String),
    peer_asn             UInt32,
    peer_bgp_id          LowCardinality(String),
    peer_type            LowCardinality(String),
    peer_rd              LowCardinality(String),
    -- up
    reset                UInt8,
    local_address        String,
    local_port           UInt16,
    remote_port          UInt16,
    hold_time            UInt16,
    sent_open            String,   -- OpenSummary as JSON (docs/records.md)
    received_open        String,
    info                 Array(String),
    -- down: reason 1..6 and, for 1 and 3, the NOTIFICATION (code 0 = none)
    reason               UInt8,
    reason_name          LowCardinality(String),
    notification_code    UInt8,
    notification_subcode UInt8,
    notification         String,   -- "Cease / Maximum Number of Prefixes Reached"
    fsm_event            Nullable(UInt16),
    was_up               UInt8
)
ENGINE = {{engine:MergeTree}}
PARTITION BY toYYYYMM(time)
ORDER BY (router, peer_address, time, seq)
SETTINGS non_replicated_deduplication_window = 1000;
