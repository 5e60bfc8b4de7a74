-- Current state: the latest row per route key wins (ReplacingMergeTree by version). A withdrawal
-- is a newer row with is_withdrawn = 1, so read with FINAL (or argMax(..., version)) and
-- is_withdrawn = 0; the rib_current view does that. stale = 1: the router's BMP session ended and
-- the route awaits confirmation by the next session's re-dump.
--
-- version = arrival ms * 2^22 + (seq mod 2^20) * 4 + sub, sub: 0 withdraw, 1 stale mark,
-- 2 announce; so records order by arrival time then sequence, and within one UPDATE an announce
-- wins over a withdrawal of the same prefix (RFC 7606 §5.3).
CREATE TABLE IF NOT EXISTS rib {{on_cluster}}
(
    router            LowCardinality(String),
    peer_type         LowCardinality(String),
    peer_rd           LowCardinality(String),
    peer_address      LowCardinality(String),
    rib               LowCardinality(String),
    afi_safi          LowCardinality(String),
    prefix            String,
    rd                LowCardinality(String),
    path_id           UInt32,
    version           UInt64,
    time              DateTime64(3, 'UTC'),      -- arrival time of the row's change
    session           LowCardinality(String),    -- the BMP session that last wrote the row
    seq               UInt64,
    router_time       DateTime64(3, 'UTC'),
    peer_asn          UInt32,
    peer_bgp_id       LowCardinality(String),
    labels            Array(UInt32),
    is_withdrawn      UInt8,
    stale             UInt8,
    synthetic         UInt8,
    dump              UInt8,
    origin            LowCardinality(String),
    as_path           Array(UInt32),
    as_path_json      String,
    origin_as         UInt32,
    next_hop          LowCardinality(String),
    med               Nullable(UInt32),
    local_pref        Nullable(UInt32),
    communities       Array(LowCardinality(String)),
    large_communities Array(String),
    ext_communities   Array(String),
    extra             String,
    INDEX idx_prefix prefix TYPE bloom_filter GRANULARITY 4,
    INDEX idx_origin_as origin_as TYPE bloom_filter GRANULARITY 4
)
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY (router, peer_type, peer_rd, peer_address, rib, afi_safi, prefix, rd, path_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- One insert into route_updates serves both tables: every history row becomes the route's new
-- current state. Stale marks are written to rib directly (they are not history).
CREATE MATERIALIZED VIEW IF NOT EXISTS rib_from_updates {{on_cluster}} TO rib AS
SELECT
    router, peer_type, peer_rd, peer_address, rib, afi_safi, prefix, rd, path_id,
    toUInt64(toUnixTimestamp64Milli(time)) * 4194304 + (seq % 1048576) * 4 + if(action = 'announce', 2, 0) AS version,
    time, session, seq, router_time, peer_asn, peer_bgp_id, labels,
    toUInt8(action = 'withdraw') AS is_withdrawn,
    toUInt8(0) AS stale,
    synthetic, dump, origin, as_path, as_path_json, origin_as, next_hop, med, local_pref,
    communities, large_communities, ext_communities, extra
FROM route_updates;

-- The routes each router has now.
CREATE VIEW IF NOT EXISTS rib_current {{on_cluster}} AS
SELECT * FROM rib FINAL WHERE is_withdrawn = 0;
