/**
 * The configuration schema: every key with its kind (kinds.ts), default and description. Loading
 * (load.ts) and rendering the reference (render.ts) work from it.
 *
 * Configuration is one YAML file checked against this schema, every key overridable by an
 * environment variable (`RIBWATCH_` + key path in upper snake case: `collector.maxSessions` →
 * `RIBWATCH_COLLECTOR_MAX_SESSIONS`) and, for a few keys, by a command-line flag.
 *
 * Precedence: schema default < file < environment < command line. Every problem is reported at
 * once, each naming its source and key ("config.yaml: collector.maxSessions: expected a positive
 * integer, got \"x\" (line 3)"), because an operator fixing a file wants all mistakes in one pass.
 * Unknown keys are errors: a misspelt key silently falling back to its default is the worst kind
 * of configuration bug.
 *
 * The same schema renders the reference in docs/configuration.md and the commented example in
 * deploy/ribwatch.example.yaml (a test keeps both in step). A role adds a section to
 * `configSchema`; a renamed key or value keeps its old name in RENAMED_KEYS / RENAMED_VALUES.
 */
import { parseCidr } from '../net/addresses.js';
import type { Cidr } from '../net/addresses.js';
import type { Severity } from '../records/alerts.js';
import { ConfigKey } from './key.js';
import type { ConfigKind, ConfigOf } from './key.js';
import {
  MAX_ASN,
  apiTokenList,
  bgpNeighborList,
  bool,
  byteSize,
  cidrList,
  cronSchedule,
  decimal,
  hostPort,
  hostPortList,
  integer,
  listOf,
  nonEmptyString,
  oneOf,
  optionalHostPort,
  optionalHttpUrl,
  optionalIPv4,
  signedInteger,
  silenceList,
  text,
} from './kinds.js';
import type { SilenceInput } from './silences.js';
import { kubernetesConfigSchema } from './kubernetes.js';

export { ConfigKey } from './key.js';
export type { ConfigKind, ConfigOf, Parsed } from './key.js';
export type { ApiTokenEntry, BgpNeighborConfig, BgpPeerAs } from './kinds.js';

function key<T>(kind: ConfigKind<T>, defaultValue: T, description: string): ConfigKey<T> {
  return new ConfigKey(kind, defaultValue, description);
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SEVERITIES = ['info', 'warning', 'critical'] as const satisfies readonly Severity[];

const isHttpUrl = (s: string): boolean => optionalHttpUrl.fromText(s).ok;

/** The defaults of the alerting keys (also the analyzer's defaults when a section is absent). */
export const DELIVERY_DEFAULTS = {
  queueSize: 1000,
  maxAttempts: 6,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
  maxRetryAfterMs: 300_000,
  requestTimeoutMs: 10_000,
} as const;

export const ALERTS_DEFAULTS = {
  minSeverity: 'warning' as Severity,
  squashSeconds: 30,
  notifyIntervalSeconds: 3600,
  remind: true,
  resolveAfterSeconds: 300,
  staleAfterSeconds: 0,
  maxOpenAlerts: 10_000,
  maxObserversPerAlert: 64,
  keepResolvedSeconds: 3600,
  flushIntervalMs: 1000,
  silences: [] as readonly SilenceInput[],
  delivery: DELIVERY_DEFAULTS,
  slack: { webhookUrl: '', botToken: '', channel: '', apiUrl: 'https://slack.com/api', messagesPerSecond: 1, burst: 3 },
  webhook: { url: '', secret: '', messagesPerSecond: 10, burst: 20 },
} as const;

const d = ALERTS_DEFAULTS;
const dd = DELIVERY_DEFAULTS;

const MiB = 1024 * 1024;

/**
 * Every configuration key. Sections are plain objects; leaves are ConfigKey. Keep descriptions to
 * one sentence a network engineer can act on: they are the reference documentation.
 */
export const configSchema = {
  collector: {
    listen: key(hostPort, { host: '127.0.0.1', port: 11019 }, 'Address the BMP listener binds; routers connect here (RFC 7854 has no default port).'),
    maxSessions: key(integer(1, 100_000, 'a positive integer'), 64, 'Most BMP sessions at once; further connections are refused and logged.'),
    maxMessageBytes: key(
      byteSize(4096, 0xffffffff),
      16 * MiB,
      'Largest BMP message accepted; a longer one closes that router\'s session (bounds the memory one router can pin).',
    ),
    tcpKeepaliveSeconds: key(integer(0, 7200, 'an integer from 0 to 7200'), 60, 'TCP keepalive idle time on router sessions, so a vanished router is noticed; 0 disables.'),
    allow: key(
      cidrList,
      [parseCidr('127.0.0.0/8'), parseCidr('::1/128')].filter((c): c is Cidr => typeof c !== 'string'),
      'Source networks routers may connect from; anyone else is refused and logged. ["0.0.0.0/0", "::/0"] allows all.',
    ),
    proxyProtocol: key(
      oneOf(['off', 'optional', 'required'] as const),
      'off',
      'PROXY protocol (v1 or v2) from load balancers in collector.proxyFrom: off; optional (a header is read when one comes); required (connections from proxyFrom must send one). collector.allow then applies to the router address the header carries.',
    ),
    proxyFrom: key(
      cidrList,
      [parseCidr('127.0.0.0/8'), parseCidr('::1/128')].filter((c): c is Cidr => typeof c !== 'string'),
      'Source networks of the load balancers allowed to send a PROXY header; a header from anywhere else closes that connection (logged, counted).',
    ),
    dumpQuietSeconds: key(
      integer(1, 86_400, 'a positive integer'),
      10,
      'A (re-)dump ends at End-of-RIB, or after this many seconds without route records from that peer (routers that never send End-of-RIB).',
    ),
    metricsListen: key(optionalHostPort, { host: '127.0.0.1', port: 9108 }, 'Address of the Prometheus /metrics endpoint; "" disables it.'),
  },
  bgp: {
    listen: key(
      optionalHostPort,
      null,
      'Where the receive-only BGP speaker listens for neighbors (e.g. "127.0.0.1:1179"; port 179 needs CAP_NET_BIND_SERVICE); "" is off. `ribwatch run` and `ribwatch collector` start it when set (docs/bgp.md).',
    ),
    asn: key(integer(0, MAX_ASN, 'an AS number 1..4294967295'), 0, 'Our AS number in the OPEN (4-octet capable); required when bgp.listen is set (a neighbor\'s localAsn overrides it).'),
    routerId: key(optionalIPv4, '', 'Our BGP Identifier; "" takes bgp.listen\'s address when it is a specific IPv4 address.'),
    holdTime: key(integer(0, 65535, 'an integer 0 or 3..65535'), 90, 'Hold time we offer (RFC 4271 §4.2); the session uses the smaller of ours and the neighbor\'s, keepalives every third of it.'),
    connectRetrySeconds: key(integer(1, 3600, 'an integer from 1 to 3600'), 30, 'How long an active neighbor (passive: false) waits between connection attempts (RFC 4271 ConnectRetryTimer).'),
    maxPrefixes: key(integer(0, Number.MAX_SAFE_INTEGER, 'an integer ≥ 0'), 0, 'Default most prefixes a neighbor may send (all families) before the session is closed with Cease / Maximum Number of Prefixes Reached; 0 is no limit.'),
    maxSessions: key(integer(1, 100_000, 'a positive integer'), 256, 'Most BGP sessions at once; further connections are refused and logged.'),
    maxStaleSeconds: key(
      integer(0, 16_777_215, 'an integer from 0 to 16777215'),
      3600,
      'Upper bound on how long a graceful-restart neighbor\'s routes are kept as stale after its session drops (its restart time, plus the long-lived stale time with LLGR); 0 withdraws them at once.',
    ),
    dumpQuietSeconds: key(integer(1, 86_400, 'a positive integer'), 10, 'A neighbor\'s initial table ends at its End-of-RIB, or after this many seconds without an UPDATE.'),
    neighbors: key(bgpNeighborList, [], 'Who may peer: address (or a network, passive only), expected asn ("any", N, or "N-M"), and optionally localAsn, holdTime, passive (default true), port (179), maxPrefixes, description; anyone else is refused.'),
  },
  output: {
    ndjson: key(nonEmptyString('a file path, or "-" for stdout'), '-', 'Where records go as NDJSON when no bus is configured: "-" is stdout, anything else a file (appended).'),
  },
  log: {
    level: key(oneOf(LOG_LEVELS), 'info', 'Log level; logs are JSON lines on stderr.'),
  },
  bus: {
    kind: key(
      oneOf(['none', 'memory', 'kafka'] as const),
      'none',
      'Where `ribwatch collector` sends records: none writes NDJSON to output.ndjson, kafka publishes to bus.brokers; `ribwatch run` always uses the in-process bus (memory), whatever this says.',
    ),
    brokers: key(hostPortList, [], 'Kafka bootstrap brokers (bus.kind kafka), e.g. ["10.0.0.5:9092", "10.0.0.6:9092"].'),
    topic: key(nonEmptyString('a Kafka topic name'), 'ribwatch.records', 'Topic of the records, keyed by router so one router\'s records stay in order; the collector creates it when missing.'),
    partitions: key(integer(1, 10_000, 'an integer from 1 to 10000'), 6, 'Partitions of the topic when the collector creates it; they bound how many writers share the work.'),
    replicationFactor: key(signedInteger(-1, 100, 'an integer from -1 to 100'), -1, 'Replication factor of the topic when the collector creates it; -1 takes the broker\'s default.replication.factor.'),
    clientId: key(nonEmptyString('a client id'), 'ribwatch', 'Kafka client id, shown in the brokers\' logs and quotas.'),
    sasl: {
      mechanism: key(oneOf(['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const), 'none', 'SASL mechanism for the brokers; none connects without authentication.'),
      username: key(text('a string'), '', 'SASL user name (needed unless bus.sasl.mechanism is none).'),
      password: key(text('a string', 'string (secret)'), '', 'SASL password; never logged: prefer the environment variable to the file.'),
    },
    tls: {
      enabled: key(bool, false, 'Connect to the brokers over TLS (with the system CAs unless bus.tls.ca is set).'),
      ca: key(text('a file path', 'file path, or ""'), '', 'PEM file of the CA that signs the brokers\' certificates; "" uses the system CAs.'),
      cert: key(text('a file path', 'file path, or ""'), '', 'PEM client certificate for mutual TLS (with bus.tls.key); "" for none.'),
      key: key(text('a file path', 'file path, or ""'), '', 'PEM private key of bus.tls.cert; "" for none.'),
    },
    openbmpRawTopic: key(
      text('a Kafka topic name, or ""', 'topic, or ""'),
      '',
      'Also publish every BMP message in the OpenBMP raw format on this topic (OpenBMP uses "openbmp.bmp_raw"); "" is off. Only `ribwatch collector` with bus.kind kafka feeds it: every whole frame as received, with the same backpressure as the records.',
    ),
  },
  store: {
    kind: key(oneOf(['embedded', 'server'] as const), 'embedded', 'embedded keeps ClickHouse in the process (chDB) under store.dataDir; server talks HTTP to store.url. Separate role processes need a server: one process holds a data dir.'),
    dataDir: key(nonEmptyString('a directory path'), './data', 'Directory of the embedded store (created when missing); only one process can open it at a time.'),
    url: key(optionalHttpUrl, '', 'ClickHouse server (store.kind server), e.g. https://clickhouse.example:8443; credentials go in store.username/store.password, not here.'),
    username: key(nonEmptyString('a user name'), 'default', 'ClickHouse user (store.kind server).'),
    password: key(text('a string', 'string (secret)'), '', 'ClickHouse password (store.kind server); never logged: prefer RIBWATCH_STORE_PASSWORD to the file.'),
    database: key(nonEmptyString('a database name'), 'ribwatch', 'Database holding ribwatch\'s tables; created when missing.'),
    tls: {
      ca: key(text('a file path', 'file path, or ""'), '', 'PEM file of the CA that signs the server\'s certificate (https URLs); "" uses the system CAs.'),
      cert: key(text('a file path', 'file path, or ""'), '', 'PEM client certificate for mutual TLS (needs store.tls.ca and store.tls.key); "" for none.'),
      key: key(text('a file path', 'file path, or ""'), '', 'PEM private key of store.tls.cert; "" for none.'),
    },
    retentionDays: key(integer(1, 36_500, 'whole days from 1 to 36500'), 30, 'TTL of the history tables (route_updates, bmp_stats, churn and prefix-count rollups); a change is applied to existing tables by the migrations.'),
    cluster: key(text('a cluster name, or ""', 'cluster name, or ""'), '', 'Server only: create tables ON CLUSTER this name with Replicated* engines; "" (always, for embedded) creates plain tables.'),
  },
  writer: {
    group: key(nonEmptyString('a consumer group name'), 'ribwatch-writer', 'Kafka consumer group of `ribwatch writer`; writers in one group share the topic\'s partitions.'),
    maxRecords: key(integer(1, 1_000_000, 'an integer from 1 to 1000000'), 50_000, 'The writer inserts a batch into ClickHouse once it holds this many records (or after writer.maxWaitMs).'),
    maxWaitMs: key(integer(1, 600_000, 'an integer from 1 to 600000'), 1000, 'The writer inserts a batch once its oldest record has waited this many milliseconds (or at writer.maxRecords).'),
    reconcileQuietSeconds: key(
      integer(1, 86_400, 'an integer from 1 to 86400'),
      30,
      'Routes of a reconnected router still stale after this many seconds without re-dump activity are withdrawn (synthetic rows).',
    ),
    countsIntervalSeconds: key(integer(0, 86_400, 'an integer from 0 to 86400'), 60, 'How often prefix counts per peer are snapshotted for routers that changed; 0 disables.'),
    metricsListen: key(
      optionalHostPort,
      { host: '127.0.0.1', port: 9109 },
      'Address of `ribwatch writer`\'s Prometheus /metrics endpoint (batches, rows, lag); "" disables it. `ribwatch run` serves these on collector.metricsListen.',
    ),
  },
  api: {
    listen: key(
      hostPort,
      { host: '127.0.0.1', port: 8080 },
      'Address the REST API (`ribwatch api`, and `ribwatch run`) binds; /api/v1, OpenAPI at /docs.',
    ),
    tokens: key(
      apiTokenList,
      [],
      'Bearer tokens, stored as SHA-256 hashes: [{name, scope: read|admin, sha256}] (env: name:scope:hex,...); `printf %s TOKEN | sha256sum` gives the hash. admin may acknowledge alerts and manage silences.',
    ),
    token: key(
      text('a string', 'string (secret)'),
      '',
      'One admin token in clear text for quick setups, hashed at start and never logged; prefer RIBWATCH_API_TOKEN to the file. "" for none.',
    ),
    allowUnauthenticated: key(
      bool,
      false,
      'Serve without a token (read scope only); refused unless api.listen is a loopback address.',
    ),
    metricsToken: key(bool, false, 'Require a token (any scope) on /metrics; /healthz and /readyz never need one (Kubernetes probes).'),
    rateLimitPerMinute: key(integer(0, 1_000_000, 'an integer from 0 to 1000000'), 6000, 'Requests per minute per client address before 429; 0 disables the limit.'),
    bodyLimitBytes: key(byteSize(1024, 16 * MiB), 64 * 1024, 'Largest request body accepted (silences, acknowledgements); larger ones get 413.'),
    maxResults: key(integer(1, 100_000, 'an integer from 1 to 100000'), 1000, 'Most items one page of any list returns (the `limit` parameter is capped here); `next` continues.'),
    maxRangeHours: key(integer(1, 8784, 'whole hours from 1 to 8784'), 168, 'Widest time range one history, flap or churn request may cover.'),
    inventory: key(text('a file path', 'file path, or ""'), '', 'Inventory file (clusters, routers, peers with their max-prefix) for limit usage on /peers; "" shows no limits.'),
    tls: {
      cert: key(text('a file path', 'file path, or ""'), '', 'PEM certificate (chain) to serve HTTPS with api.tls.key; "" serves plain HTTP.'),
      key: key(text('a file path', 'file path, or ""'), '', 'PEM private key of api.tls.cert.'),
    },
  },
  analyzer: {
    inventory: key(
      text('a file path', 'file path, or ""'),
      '',
      'Inventory file (clusters, nodes, routers, peers with max-prefix and dampening; docs/analyzer.md), reloaded when it changes; "" runs without one (no leak checks, limits only from BMP stats).',
    ),
    group: key(nonEmptyString('a consumer group name'), 'ribwatch-analyzer', 'Kafka consumer group of `ribwatch analyzer`; one analyzer per group (its detectors hold per-peer state), separate from the writers\' group.'),
    maxWaitMs: key(integer(1, 60_000, 'an integer from 1 to 60000'), 200, 'The analyzer takes a batch from the bus once its oldest record has waited this many milliseconds (detection latency).'),
    detectors: key(
      listOf(['prefix-flap', 'session-flap', 'dampening', 'leaks', 'prefix-limit'] as const),
      ['prefix-flap', 'session-flap', 'dampening', 'leaks', 'prefix-limit'],
      'Stream detectors that run, named as the alerts they raise: prefix-flap, session-flap, dampening (route-flap dampening, RFC 2439; formerly rfd), leaks (against the inventory), prefix-limit.',
    ),
    metricsListen: key(
      optionalHostPort,
      { host: '127.0.0.1', port: 9110 },
      'Address of `ribwatch analyzer`\'s Prometheus /metrics endpoint (detector state, observations, alerts, audits); "" disables it. `ribwatch run` serves these on collector.metricsListen.',
    ),
    tickSeconds: key(integer(1, 3600, 'an integer from 1 to 3600'), 1, 'How often the detectors do their time-based work (clearing after quiet periods, reuse, eviction).'),
    maxPathKeys: key(integer(1000, 100_000_000, 'an integer from 1000 to 100000000'), 2_000_000, 'Per-path state cap of the prefix-flap and dampening detectors (least recently used dropped beyond it).'),
    maxPeerKeys: key(integer(100, 10_000_000, 'an integer from 100 to 10000000'), 100_000, 'Cap on per-peer state (session flaps, prefix-limit families) and on leak sightings.'),
    prefixFlap: {
      windowSeconds: key(integer(10, 86_400, 'an integer from 10 to 86400'), 600, 'Sliding window in which withdraw/re-announce cycles and attribute changes of one path are counted.'),
      warning: key(integer(1, 100_000, 'a positive integer'), 5, 'Flaps of one path in the window for a warning prefix-flap alert.'),
      critical: key(integer(1, 100_000, 'a positive integer'), 20, 'Flaps of one path in the window for a critical prefix-flap alert.'),
    },
    sessionFlap: {
      windowSeconds: key(integer(10, 86_400, 'an integer from 10 to 86400'), 900, 'Sliding window in which Peer Down/Up cycles of one BGP session are counted.'),
      warning: key(integer(1, 10_000, 'a positive integer'), 2, 'Session flaps in the window for a warning session-flap alert.'),
      critical: key(integer(1, 10_000, 'a positive integer'), 5, 'Session flaps in the window for a critical session-flap alert.'),
    },
    prefixLimit: {
      warningPercent: key(integer(1, 100, 'a percentage from 1 to 100'), 75, 'Received prefixes, as a percentage of the peer\'s max-prefix, that raise a warning prefix-limit alert.'),
      criticalPercent: key(integer(1, 100, 'a percentage from 1 to 100'), 90, 'Received prefixes, as a percentage of the peer\'s max-prefix, that raise a critical prefix-limit alert.'),
    },
    dampening: {
      views: key(
        listOf(['adj-in-pre', 'adj-in-post', 'loc-rib', 'adj-out-pre', 'adj-out-post'] as const),
        ['adj-in-pre', 'adj-in-post'],
        'RIB views the dampening model follows, in order of preference per peer (pre-policy Adj-RIB-In is what the router\'s own damping sees).',
      ),
      defaultProfile: key(
        oneOf(['cisco', 'juniper', 'frr', 'rfc7196', 'none'] as const),
        'cisco',
        'Dampening profile for eBGP peers whose inventory entry names none; none models only the peers the inventory gives a profile.',
      ),
    },
    audit: {
      leaks: key(cronSchedule, '*/10 * * * *', 'When the leak audit checks the current RIB in ClickHouse against the inventory (catches what the stream missed, e.g. across a restart).'),
      prefixLimit: key(cronSchedule, '*/5 * * * *', 'When the prefix-limit audit counts each peer\'s current routes in ClickHouse against its max-prefix.'),
      startDelaySeconds: key(integer(0, 86_400, 'an integer from 0 to 86400'), 20, 'The leak and prefix-limit audits also run once this long after start (0: only on their schedules).'),
      maxRows: key(integer(1000, 100_000_000, 'an integer from 1000 to 100000000'), 1_000_000, 'Most RIB rows one audit reads (LIMIT); a larger RIB is audited in part and the log says so.'),
      retention: key(cronSchedule, '17 3 * * *', 'When retention runs: route_updates partitions wholly past store.retentionDays are dropped, and resolved alerts past audit.resolvedAlertsDays deleted.'),
      resolvedAlertsDays: key(integer(1, 36_500, 'whole days from 1 to 36500'), 90, 'Resolved alerts older than this many days are deleted by the retention job.'),
      digest: key(cronSchedule, '0 8 * * *', 'When the daily digest goes to Slack and the webhook: open alerts by kind and severity, top flapping prefixes, prefix-limit headroom.'),
    },
  },
  // The alerting sections (docs/alerts.md); slack and webhook sit at the top level so their
  // environment names are RIBWATCH_SLACK_WEBHOOK_URL, RIBWATCH_WEBHOOK_URL and so on.
  alerts: {
    minSeverity: key(oneOf(SEVERITIES), d.minSeverity, 'Alerts below this severity are kept (API, store) but not notified, e.g. info for administrative session resets.'),
    squashSeconds: key(integer(0, 3600), d.squashSeconds, 'Seconds to gather observations after an alert opens before its first notification (BGPalerter squash).'),
    notifyIntervalSeconds: key(
      integer(1, 7 * 86_400),
      d.notifyIntervalSeconds,
      'Changes of an open alert (more routers seeing it, severity falling) and reminders are sent at most this often; escalation and resolve go out at once.',
    ),
    remind: key(bool, d.remind, 'Repeat an unchanged, unacknowledged open alert every notifyIntervalSeconds.'),
    resolveAfterSeconds: key(integer(0, 7 * 86_400), d.resolveAfterSeconds, 'Fade-off: an alert resolves after this many seconds without an active observation.'),
    staleAfterSeconds: key(integer(0, 7 * 86_400), d.staleAfterSeconds, 'An active observation not repeated for this long counts as cleared; 0 keeps it active until its detector clears it.'),
    maxOpenAlerts: key(integer(1, 10_000_000), d.maxOpenAlerts, 'Most open and acknowledged alerts held; observations opening more are dropped, counted and logged.'),
    maxObserversPerAlert: key(integer(1, 10_000), d.maxObserversPerAlert, 'Routers/peers listed per alert; more are counted only.'),
    keepResolvedSeconds: key(integer(0, 30 * 86_400), d.keepResolvedSeconds, 'Resolved alerts stay in memory for the API this long (they stay in the store regardless).'),
    silences: key(silenceList, d.silences, 'Silences and maintenance windows: matchers on kind/router/peer/prefix/cluster/node with startsAt, endsAt and reason; they mute notifications, not alerts.'),
    queueSize: key(integer(1, 1_000_000), dd.queueSize, 'Notifications waiting per channel; when full the oldest is dropped (counted and logged).'),
    maxAttempts: key(integer(1, 100), dd.maxAttempts, 'Delivery attempts per notification before it is given up (a later change of the alert notifies again).'),
    retryBaseMs: key(integer(1, 3_600_000), dd.retryBaseMs, 'First retry delay in ms, doubled per attempt with jitter; a 429 Retry-After takes precedence.'),
    retryMaxMs: key(integer(1, 3_600_000), dd.retryMaxMs, 'Longest retry delay in ms.'),
    requestTimeoutMs: key(integer(100, 600_000), dd.requestTimeoutMs, 'Timeout of one notification HTTP request in ms.'),
  },
  slack: {
    webhookUrl: key(text('an http(s) URL', 'string ("" = off)', isHttpUrl), d.slack.webhookUrl, 'Slack incoming webhook URL (a secret, never logged); "" disables it.'),
    botToken: key(text('a Slack bot token (xoxb-…)', 'string ("" = off)'), d.slack.botToken, 'Slack bot token for the Web API (with channel: threads and edited messages); a secret, never logged.'),
    channel: key(text('a Slack channel ID or name', 'string ("" = off)'), d.slack.channel, 'Slack channel for the Web API (an ID such as C0123456789).'),
    apiUrl: key(text('an http(s) URL', 'string ("" = off)', isHttpUrl), d.slack.apiUrl, 'Slack Web API base URL.'),
    messagesPerSecond: key(decimal(0.01, 100), d.slack.messagesPerSecond, 'Messages per second per Slack channel (Slack allows about 1).'),
    burst: key(integer(1, 1000), d.slack.burst, 'Messages Slack may receive back to back before the rate applies.'),
  },
  webhook: {
    url: key(text('an http(s) URL', 'string ("" = off)', isHttpUrl), d.webhook.url, 'Generic JSON webhook URL (never logged); "" disables it.'),
    secret: key(text('a string', 'string ("" = off)'), d.webhook.secret, 'HMAC-SHA256 key: X-Ribwatch-Signature is sha256=hex(HMAC(secret, timestamp + "." + body)); never logged.'),
    messagesPerSecond: key(decimal(0.01, 1000), d.webhook.messagesPerSecond, 'Messages per second to the webhook.'),
    burst: key(integer(1, 10_000), d.webhook.burst, 'Messages the webhook may receive back to back.'),
  },
  // Where the cluster objects come from (config/kubernetes.ts, documented in docs/kubernetes.md).
  kubernetes: kubernetesConfigSchema.kubernetes,
};

interface SchemaSection {
  readonly [k: string]: ConfigKey<unknown> | SchemaSection;
}

export type Config = ConfigOf<typeof configSchema>;

/** The alerting sections of the schema (the analyzer's optionsFromConfig reads them). */
export const alertsConfigSchema = { alerts: configSchema.alerts, slack: configSchema.slack, webhook: configSchema.webhook };
export type AlertsConfig = ConfigOf<typeof alertsConfigSchema>;

/** Environment variables read directly when the configuration leaves the value empty. */
export const SECRET_ENV = {
  slackWebhookUrl: 'RIBWATCH_SLACK_WEBHOOK_URL',
  slackBotToken: 'RIBWATCH_SLACK_BOT_TOKEN',
  webhookUrl: 'RIBWATCH_WEBHOOK_URL',
  webhookSecret: 'RIBWATCH_WEBHOOK_SECRET',
} as const;

/**
 * Keys and whole sections renamed so that one concept has one name (the detector and its alert
 * kind: prefix-flap, dampening). The old names still load, from the file, the environment
 * (RIBWATCH_ANALYZER_RFD_VIEWS) and the command line, with one warning naming the new one.
 */
export const RENAMED_KEYS: Readonly<Record<string, string>> = {
  'analyzer.flap': 'analyzer.prefixFlap',
  'analyzer.rfd': 'analyzer.dampening',
};

/** Values renamed inside a key's value (a list item or a choice), per key: old → new. */
export const RENAMED_VALUES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'analyzer.detectors': { rfd: 'dampening' },
};

/** The current path of a renamed key ('analyzer.rfd.views' → 'analyzer.dampening.views'); undefined when not renamed. */
export function renamedPath(path: string): string | undefined {
  for (const [from, to] of Object.entries(RENAMED_KEYS)) {
    if (path === from) return to;
    if (path.startsWith(`${from}.`)) return to + path.slice(from.length);
  }
  return undefined;
}

/** Every old path of a current one (the inverse of renamedPath). */
export function formerPaths(path: string): string[] {
  const out: string[] = [];
  for (const [from, to] of Object.entries(RENAMED_KEYS)) {
    if (path === to) out.push(from);
    else if (path.startsWith(`${to}.`)) out.push(from + path.slice(to.length));
  }
  return out;
}

/** `collector.maxSessions` → `RIBWATCH_COLLECTOR_MAX_SESSIONS`. */
export function envName(path: string): string {
  return `RIBWATCH_${path
    .split('.')
    .map((seg) => seg.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('_')}`;
}

export interface ConfigEntry {
  readonly path: string;
  readonly env: string;
  readonly key: ConfigKey<unknown>;
}

/** Every key, in schema order, with its path and environment variable. */
export function configEntries(schema: SchemaSection = configSchema): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  const walk = (node: SchemaSection, prefix: string): void => {
    for (const [name, child] of Object.entries(node)) {
      const path = prefix === '' ? name : `${prefix}.${name}`;
      if (child instanceof ConfigKey) out.push({ path, env: envName(path), key: child });
      else walk(child, path);
    }
  };
  walk(schema, '');
  return out;
}
