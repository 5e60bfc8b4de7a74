-- The Kubernetes intent (kubernetes/intent.ts), as the analyzer computed it, for `ribwatch api` in
-- split mode: one row per cluster, the newest version wins (ReplacingMergeTree by version; read
-- with FINAL). `intent` is the ClusterIntent as JSON (nodes with their expected advertisements,
-- Services with their expected announcers, ranges, policy); `status` the source's state (live or
-- files, stale, resources and their errors). Small: a cluster of 5,000 nodes and 20,000 Services
-- is a few MB of JSON, written at most once a second while the cluster changes.
CREATE TABLE IF NOT EXISTS kubernetes_intent {{on_cluster}}
(
    cluster     LowCardinality(String),
    version     UInt64,
    updated_at  DateTime64(3, 'UTC'),
    intent      String,
    status      String
)
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY cluster;
