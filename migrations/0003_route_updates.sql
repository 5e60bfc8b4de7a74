-- History: one row per prefix per UPDATE (per route record), in arrival order.
-- Withdrawals carry no attributes, except synthetic ones (written by the writer when a peer goes
-- down or a re-dump did not re-announce a route), which carry the attributes of the route they
-- withdraw. dump = 1 marks rows of a (re-)dump: churn queries ignore them.
CREATE TABLE IF NOT EXISTS route_updates {{on_cluster}}
(
    time              DateTime64(3, 'UTC') CODEC(Delta, ZSTD),
    router            LowCardinality(String),
    session           LowCardinality(String),
    seq               UInt64,
    router_time       DateTime64(3, 'UTC'),
    peer_address      LowCardinality(String),
    peer_asn          UInt32,
    peer_bgp_id       LowCardinality(String),
    peer_type         LowCardinality(String),
    peer_rd           LowCardinality(String),   -- '' when none
    rib               LowCardinality(String),   -- adj-in-pre, adj-in-post, loc-rib, adj-out-pre, adj-out-post
    afi_safi          LowCardinality(String),
    prefix            String,                   -- canonical text; EVPN: the NLRI's canonical string
    rd                LowCardinality(String),   -- the route's RD (VPN families), '' when none
    path_id           UInt32,                   -- ADD-PATH path identifier, 0 when none
    labels            Array(UInt32),
    action            Enum8('withdraw' = 0, 'announce' = 1),
    dump              UInt8,
    synthetic         UInt8,
    origin            LowCardinality(String),   -- igp, egp, incomplete, '' when absent
    as_path           Array(UInt32),            -- flattened: AS_SET members in place, in order
    as_path_json      String,                   -- the exact path as JSON when it has an AS_SET, else ''
    origin_as         UInt32,                   -- last ASN of the path; 0 when empty or ending in an AS_SET
    next_hop          LowCardinality(String),
    med               Nullable(UInt32),
    local_pref        Nullable(UInt32),
    communities       Array(LowCardinality(String)),
    large_communities Array(String),
    ext_communities   Array(String),
    extra             String,                   -- rarer attributes as JSON (atomic_aggregate, aggregator, originator_id, cluster_list, other), '' when none
    INDEX idx_peer peer_address TYPE set(1000) GRANULARITY 4,
    INDEX idx_origin_as origin_as TYPE bloom_filter GRANULARITY 4
)
ENGINE = {{engine:MergeTree}}
PARTITION BY toDate(time)
ORDER BY (prefix, router, peer_address, time)
TTL toDateTime(time) + INTERVAL {{retention_days}} DAY
SETTINGS non_replicated_deduplication_window = 1000;
