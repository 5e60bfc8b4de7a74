-- Alerts (analyzer/alerts): one row per alert id, the latest version wins (ReplacingMergeTree by
-- version; read with FINAL). An alert is one (kind, group subject): `subject` holds the keys that
-- identify it, the router/peer/prefix/cluster/node columns repeat them for filtering, and
-- `routers`/`peers` list every router and peer that observed it (a leak seen by four leafs is one
-- alert with four observers). A resolved alert stays resolved; the same condition coming back is a
-- new alert whose reopened_from names this one.
--
-- `channels` is the notification bookkeeping as JSON: per channel what it was last told (status,
-- severity, when) and its message handle (Slack ts + channel), so a restart neither re-notifies
-- nor forgets which Slack thread to reply in. `observers` is JSON too (analyzer/alerts/store.ts).
CREATE TABLE IF NOT EXISTS alerts {{on_cluster}}
(
    id               String,
    version          UInt64,
    kind             LowCardinality(String),
    alert_key        String,
    severity         LowCardinality(String),
    peak_severity    LowCardinality(String),
    status           LowCardinality(String),
    subject          Map(String, String),
    router           LowCardinality(String),
    peer             String,
    prefix           String,
    cluster          LowCardinality(String),
    node             String,
    afi_safi         LowCardinality(String),
    routers          Array(String),
    peers            Array(String),
    summary          String,
    next_step        String,
    facts            String,
    observers        String,
    observations     UInt32,
    events           UInt64,
    opened_at        DateTime64(3, 'UTC'),
    updated_at       DateTime64(3, 'UTC'),
    last_active_at   DateTime64(3, 'UTC'),
    resolved_at      Nullable(DateTime64(3, 'UTC')),
    acknowledged_at  Nullable(DateTime64(3, 'UTC')),
    acknowledged_by  String,
    escalated_at     Nullable(DateTime64(3, 'UTC')),
    silenced_by      Array(String),
    reopened_from    String,
    last_notified_at Nullable(DateTime64(3, 'UTC')),
    channels         String
)
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY id;

-- Silences and maintenance windows created through the API (configuration ones are not stored).
-- Matchers on kind/router/peer/prefix/cluster/node/afiSafi; ending one early writes a newer
-- version with ends_at moved (or deleted = 1).
CREATE TABLE IF NOT EXISTS silences {{on_cluster}}
(
    id          String,
    version     UInt64,
    matchers    Map(String, String),
    starts_at   DateTime64(3, 'UTC'),
    ends_at     DateTime64(3, 'UTC'),
    reason      String,
    created_by  String,
    created_at  DateTime64(3, 'UTC'),
    deleted     UInt8
)
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY id;
