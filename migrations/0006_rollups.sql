-- Churn per prefix per minute, live changes only (dump rows are not churn). Sum the counters
-- (SummingMergeTree folds rows only at merges): SELECT ..., sum(announcements) ... GROUP BY.
CREATE TABLE IF NOT EXISTS prefix_churn_1m {{on_cluster}}
(
    minute                DateTime('UTC'),
    router                LowCardinality(String),
    peer_address          LowCardinality(String),
    rib                   LowCardinality(String),
    afi_safi              LowCardinality(String),
    prefix                String,
    announcements         UInt64,
    withdrawals           UInt64,   -- sent by the router
    synthetic_withdrawals UInt64    -- peer down, or not re-announced after a reset
)
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toDate(minute)
ORDER BY (prefix, router, peer_address, rib, afi_safi, minute)
TTL minute + INTERVAL {{retention_days}} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS prefix_churn_1m_mv {{on_cluster}} TO prefix_churn_1m AS
SELECT
    toStartOfMinute(time) AS minute, router, peer_address, rib, afi_safi, prefix,
    countIf(action = 'announce') AS announcements,
    countIf(action = 'withdraw' AND synthetic = 0) AS withdrawals,
    countIf(action = 'withdraw' AND synthetic = 1) AS synthetic_withdrawals
FROM route_updates
WHERE dump = 0
GROUP BY minute, router, peer_address, rib, afi_safi, prefix;

-- Prefixes per peer, RIB view and AFI/SAFI over time: a snapshot of rib per router whose routes
-- changed, at most once per writer.countsIntervalSeconds (counting needs the previous state, which
-- a materialized view cannot see). Latest: argMax(prefixes, time); the series feeds the
-- prefix-limit forecast.
CREATE TABLE IF NOT EXISTS peer_prefix_counts {{on_cluster}}
(
    time          DateTime64(3, 'UTC'),
    router        LowCardinality(String),
    peer_type     LowCardinality(String),
    peer_rd       LowCardinality(String),
    peer_address  LowCardinality(String),
    peer_asn      UInt32,
    rib           LowCardinality(String),
    afi_safi      LowCardinality(String),
    prefixes      UInt64,   -- current routes (not withdrawn), stale ones included
    stale         UInt64
)
ENGINE = {{engine:MergeTree}}
PARTITION BY toYYYYMM(time)
ORDER BY (router, peer_address, rib, afi_safi, time)
TTL toDateTime(time) + INTERVAL {{retention_days}} DAY
SETTINGS non_replicated_deduplication_window = 1000;
