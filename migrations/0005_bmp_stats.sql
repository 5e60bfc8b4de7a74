-- Statistics Reports (RFC 7854 §4.8): one row per counter. Gauges per AFI/SAFI carry afi_safi.
CREATE TABLE IF NOT EXISTS bmp_stats {{on_cluster}}
(
    time          DateTime64(3, 'UTC') CODEC(Delta, ZSTD),
    router        LowCardinality(String),
    session       LowCardinality(String),
    seq           UInt64,
    router_time   DateTime64(3, 'UTC'),
    peer_address  LowCardinality(String),
    peer_asn      UInt32,
    peer_type     LowCardinality(String),
    peer_rd       LowCardinality(String),
    counter_type  UInt16,
    name          LowCardinality(String),
    afi_safi      LowCardinality(String),   -- '' for counters not per AFI/SAFI
    value         UInt64
)
ENGINE = {{engine:MergeTree}}
PARTITION BY toYYYYMM(time)
ORDER BY (router, peer_address, counter_type, afi_safi, time)
TTL toDateTime(time) + INTERVAL {{retention_days}} DAY
SETTINGS non_replicated_deduplication_window = 1000;
