/**
 * Configuration: one YAML file checked against a declarative schema, every key overridable by an
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
 * deploy/ribwatch.example.yaml (a test keeps both in step). Later roles (bus, store, api,
 * analyzer) add a section to `configSchema`; nothing else changes.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isIPv4 } from 'node:net';
import { LineCounter, isMap, isScalar, isSeq, parse as parseYaml, parseDocument, stringify } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import { formatHostPort, parseCidr, parseHostPort } from '../net/addresses.js';
import type { Cidr, HostPort } from '../net/addresses.js';
// ConfigKey lives in its own module so that schema sections kept in files of their own
// (alerts.ts) can build keys without importing this one.
import { ConfigKey } from './key.js';
import type { ConfigKind, ConfigOf, Parsed } from './key.js';
import { alertsConfigSchema } from './alerts.js';
import { validate as validateCron } from 'node-cron';

export { ConfigKey } from './key.js';
export type { ConfigKind, ConfigOf, Parsed } from './key.js';

function key<T>(kind: ConfigKind<T>, defaultValue: T, description: string): ConfigKey<T> {
  return new ConfigKey(kind, defaultValue, description);
}

const good = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(expected: string): Parsed<T> => ({ ok: false, expected });

// ---- kinds ---------------------------------------------------------------------------------

function integer(min: number, max: number, what: string): ConfigKind<number> {
  const check = (n: number): Parsed<number> => (Number.isSafeInteger(n) && n >= min && n <= max ? good(n) : bad(what));
  return {
    type: max === Number.MAX_SAFE_INTEGER ? `integer ≥ ${min}` : `integer ${min}..${max}`,
    fromYaml: (raw) => (typeof raw === 'number' ? check(raw) : bad(what)),
    fromText: (text) => (/^\s*\d+\s*$/.test(text) ? check(Number(text)) : bad(what)),
    toYaml: (v) => v,
  };
}

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1e3, mb: 1e6, gb: 1e9 };

/** Bytes as an integer or with a unit ("16MiB", "512KiB", "1GB"). */
function byteSize(min: number, max: number): ConfigKind<number> {
  const what = `a size in bytes from ${min} to ${max} (an integer, or with KiB/MiB/GiB)`;
  const fromText = (text: string): Parsed<number> => {
    const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(text);
    const unit = UNITS[(m?.[2] ?? '?').toLowerCase()];
    if (!m || unit === undefined) return bad(what);
    const n = Number(m[1]) * unit;
    return Number.isSafeInteger(n) && n >= min && n <= max ? good(n) : bad(what);
  };
  return {
    type: 'bytes (integer, or "16MiB")',
    fromYaml: (raw) => (typeof raw === 'number' ? fromText(String(raw)) : typeof raw === 'string' ? fromText(raw) : bad(what)),
    fromText,
    toYaml: (v) => (v % 1024 ** 2 === 0 ? `${v / 1024 ** 2}MiB` : v % 1024 === 0 ? `${v / 1024}KiB` : v),
  };
}

const hostPort: ConfigKind<HostPort> = {
  type: 'HOST:PORT ([IPv6]:PORT)',
  fromYaml: (raw) => (typeof raw === 'string' ? hostPort.fromText(raw) : bad('HOST:PORT')),
  fromText: (text) => {
    const r = parseHostPort(text.trim());
    return typeof r === 'string' ? bad(`HOST:PORT (${r})`) : good(r);
  },
  toYaml: (v) => formatHostPort(v),
};

/** HOST:PORT, or "" for "off". */
const optionalHostPort: ConfigKind<HostPort | null> = {
  type: 'HOST:PORT, or "" to disable',
  fromYaml: (raw) => (raw === '' || raw === null ? good(null) : hostPort.fromYaml(raw)),
  fromText: (text) => (text.trim() === '' ? good(null) : hostPort.fromText(text)),
  toYaml: (v) => (v === null ? '' : formatHostPort(v)),
};

const cidrList: ConfigKind<readonly Cidr[]> = {
  type: 'list of CIDRs (env: comma-separated)',
  fromYaml: (raw) => {
    if (!Array.isArray(raw)) return bad('a list of CIDRs such as ["10.0.0.0/8", "2001:db8::/32"]');
    const out: Cidr[] = [];
    for (const item of raw as unknown[]) {
      if (typeof item !== 'string') return bad(`a list of CIDRs; ${JSON.stringify(item)} is not a string`);
      const c = parseCidr(item.trim());
      if (typeof c === 'string') return bad(`a list of CIDRs; ${c}`);
      out.push(c);
    }
    return good(out);
  },
  fromText: (text) => cidrList.fromYaml(text.trim() === '' ? [] : text.split(',')),
  toYaml: (v) => v.map((c) => c.text),
};

function nonEmptyString(what: string): ConfigKind<string> {
  return {
    type: 'string',
    fromYaml: (raw) => (typeof raw === 'string' && raw !== '' ? good(raw) : bad(what)),
    fromText: (text) => (text !== '' ? good(text) : bad(what)),
    toYaml: (v) => v,
  };
}

function oneOf<const T extends string>(values: readonly T[]): ConfigKind<T> {
  const what = `one of ${values.join(', ')}`;
  const pick = (s: string): Parsed<T> => {
    const v = values.find((x) => x === s);
    return v === undefined ? bad(what) : good(v);
  };
  return {
    type: values.join(' | '),
    fromYaml: (raw) => (typeof raw === 'string' ? pick(raw) : bad(what)),
    fromText: (text) => pick(text.trim()),
    toYaml: (v) => v,
  };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Any text, "" included ("" usually means "not set"). */
function text(what: string, type = 'string'): ConfigKind<string> {
  return {
    type,
    fromYaml: (raw) => (typeof raw === 'string' ? good(raw) : raw === null ? good('') : bad(what)),
    fromText: (t) => good(t),
    toYaml: (v) => v,
  };
}

const bool: ConfigKind<boolean> = {
  type: 'true | false',
  fromYaml: (raw) => (typeof raw === 'boolean' ? good(raw) : bad('true or false')),
  fromText: (t) => {
    const v = t.trim().toLowerCase();
    return v === 'true' || v === '1' || v === 'yes' ? good(true) : v === 'false' || v === '0' || v === 'no' || v === '' ? good(false) : bad('true or false');
  },
  toYaml: (v) => v,
};

/** An integer that may be negative (e.g. -1 for "the broker's default"). */
function signedInteger(min: number, max: number, what: string): ConfigKind<number> {
  const check = (n: number): Parsed<number> => (Number.isSafeInteger(n) && n >= min && n <= max ? good(n) : bad(what));
  return {
    type: `integer ${min}..${max}`,
    fromYaml: (raw) => (typeof raw === 'number' ? check(raw) : bad(what)),
    fromText: (t) => (/^\s*-?\d+\s*$/.test(t) ? check(Number(t)) : bad(what)),
    toYaml: (v) => v,
  };
}

/** A list of HOST:PORT, kept as text ("127.0.0.1:9092"); env: comma-separated. */
const hostPortList: ConfigKind<readonly string[]> = {
  type: 'list of HOST:PORT (env: comma-separated)',
  fromYaml: (raw) => {
    if (!Array.isArray(raw)) return bad('a list of HOST:PORT such as ["10.0.0.5:9092"]');
    const out: string[] = [];
    for (const item of raw as unknown[]) {
      if (typeof item !== 'string') return bad(`a list of HOST:PORT; ${JSON.stringify(item)} is not a string`);
      const hp = parseHostPort(item.trim());
      if (typeof hp === 'string') return bad(`a list of HOST:PORT; ${JSON.stringify(item)}: ${hp}`);
      out.push(formatHostPort(hp));
    }
    return good(out);
  },
  fromText: (t) => hostPortList.fromYaml(t.trim() === '' ? [] : t.split(',')),
  toYaml: (v) => [...v],
};

/** "" (not set) or an http(s) URL. */
const optionalHttpUrl: ConfigKind<string> = {
  type: 'http(s)://HOST:PORT, or ""',
  fromYaml: (raw) => (raw === null || raw === '' ? good('') : typeof raw === 'string' ? optionalHttpUrl.fromText(raw) : bad('an http(s):// URL')),
  fromText: (t) => {
    const v = t.trim();
    if (v === '') return good('');
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:' ? good(v) : bad('an http(s):// URL');
    } catch {
      return bad('an http(s):// URL');
    }
  },
  toYaml: (v) => v,
};

/** A list of names from a fixed set (env: comma-separated); duplicates folded. */
function listOf<const T extends string>(values: readonly T[]): ConfigKind<readonly T[]> {
  const what = `a list of ${values.join(', ')}`;
  const kind: ConfigKind<readonly T[]> = {
    type: `list of ${values.join(' | ')} (env: comma-separated)`,
    fromYaml: (raw) => {
      if (raw === null) return good([]);
      if (!Array.isArray(raw)) return bad(what);
      const out: T[] = [];
      for (const item of raw as unknown[]) {
        const v = values.find((x) => x === (typeof item === 'string' ? item.trim() : item));
        if (v === undefined) return bad(`${what}; ${JSON.stringify(item)} is not one`);
        if (!out.includes(v)) out.push(v);
      }
      return good(out);
    },
    fromText: (t) => kind.fromYaml(t.trim() === '' ? [] : t.split(',')),
    toYaml: (v) => [...v],
  };
  return kind;
}

/** A cron schedule (5 fields, or 6 with seconds first), evaluated in UTC; "" disables the job. */
const cronSchedule: ConfigKind<string> = {
  type: 'cron "m h dom mon dow" (UTC), or "" to disable',
  fromYaml: (raw) => (raw === null || raw === '' ? good('') : typeof raw === 'string' ? cronSchedule.fromText(raw) : bad('a cron schedule such as "*/10 * * * *"')),
  fromText: (t) => {
    const v = t.trim().replace(/\s+/g, ' ');
    if (v === '') return good('');
    const fields = v.split(' ').length;
    return (fields === 5 || fields === 6) && validateCron(v) ? good(v) : bad('a cron schedule such as "*/10 * * * *" (minute hour day-of-month month day-of-week, UTC)');
  },
  toYaml: (v) => v,
};

/** One API bearer token as configured: its SHA-256 (never the token), its scope, a name for logs. */
export interface ApiTokenEntry {
  readonly name: string;
  readonly scope: 'read' | 'admin';
  readonly sha256: string;
}

/** YAML: a list of {name, scope, sha256}; env: "name:scope:hex,name:scope:hex". */
const apiTokenList: ConfigKind<readonly ApiTokenEntry[]> = {
  type: 'list of {name, scope, sha256} (env: name:scope:hex,...)',
  fromYaml: (raw) => {
    if (!Array.isArray(raw)) return bad('a list of {name, scope: read|admin, sha256: 64 hex digits}');
    const out: ApiTokenEntry[] = [];
    for (const item of raw as unknown[]) {
      const o = item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : undefined;
      const name = o?.['name'];
      const scope = o?.['scope'];
      const hash = o?.['sha256'];
      if (typeof name !== 'string' || name === '') return bad(`a list of tokens; ${JSON.stringify(item)} has no name`);
      if (scope !== 'read' && scope !== 'admin') return bad(`a list of tokens; ${name}: scope must be read or admin`);
      if (typeof hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hash)) return bad(`a list of tokens; ${name}: sha256 must be 64 hex digits (the hash, not the token)`);
      out.push({ name, scope, sha256: hash.toLowerCase() });
    }
    return good(out);
  },
  fromText: (t) => {
    if (t.trim() === '') return good([]);
    const items = t.split(',').map((part) => {
      const [name, scope, sha256] = part.trim().split(':');
      return { name, scope, sha256 };
    });
    return apiTokenList.fromYaml(items);
  },
  toYaml: (v) => v.map((e) => ({ name: e.name, scope: e.scope, sha256: e.sha256 })),
};

/** A neighbor's expected AS: any, one, or an inclusive range. */
export type BgpPeerAs = { readonly kind: 'any' } | { readonly kind: 'range'; readonly min: number; readonly max: number };

/** One `bgp.neighbors` entry: who may peer with the BGP speaker, and how. */
export interface BgpNeighborConfig {
  /** The neighbor's address, or a network of them (a passive neighbor only). */
  readonly address: Cidr;
  readonly asn: BgpPeerAs;
  /** Our AS towards this neighbor; null: bgp.asn. */
  readonly localAsn: number | null;
  /** Hold time we offer this neighbor; null: bgp.holdTime. */
  readonly holdTime: number | null;
  /** true (default): wait for the neighbor to connect; false: also connect out to address:port. */
  readonly passive: boolean;
  readonly port: number;
  /** Most prefixes accepted from it (all families) before Cease/1 (RFC 4486); null: bgp.maxPrefixes. */
  readonly maxPrefixes: number | null;
  readonly description: string;
}

const MAX_ASN = 4294967295;

function parseAsnText(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 && n <= MAX_ASN ? n : undefined;
}

function parsePeerAs(v: unknown): BgpPeerAs | string {
  if (v === 'any') return { kind: 'any' };
  const one = parseAsnText(v);
  if (one !== undefined) return { kind: 'range', min: one, max: one };
  const m = typeof v === 'string' ? /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(v) : null;
  const lo = parseAsnText(m?.[1]);
  const hi = parseAsnText(m?.[2]);
  if (lo !== undefined && hi !== undefined && lo <= hi) return { kind: 'range', min: lo, max: hi };
  return `asn must be "any", an AS number or a range "64512-65534", not ${JSON.stringify(v)}`;
}

const NEIGHBOR_KEYS = new Set(['address', 'asn', 'localAsn', 'holdTime', 'passive', 'port', 'maxPrefixes', 'description']);

function parseNeighbor(item: unknown, i: number): BgpNeighborConfig | string {
  const at = `neighbor ${i + 1}`;
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return `${at}: expected a mapping such as {address: 10.0.0.0/24, asn: 64512}`;
  const o = item as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !NEIGHBOR_KEYS.has(k));
  if (unknown.length > 0) return `${at}: unknown key ${unknown.join(', ')} (known: ${[...NEIGHBOR_KEYS].join(', ')})`;
  const address = typeof o['address'] === 'string' ? parseCidr(o['address'].trim()) : 'address is required (an IP address or a network)';
  if (typeof address === 'string') return `${at}: ${address}`;
  if (o['asn'] === undefined) return `${at}: asn is required ("any", an AS number or a range)`;
  const asn = parsePeerAs(o['asn']);
  if (typeof asn === 'string') return `${at}: ${asn}`;
  const localAsn = o['localAsn'] === undefined ? null : parseAsnText(o['localAsn']);
  if (localAsn === undefined || localAsn === 0) return `${at}: localAsn must be an AS number 1..${MAX_ASN}`;
  const hold = o['holdTime'];
  const holdTime = hold === undefined ? null : typeof hold === 'number' && Number.isInteger(hold) && (hold === 0 || (hold >= 3 && hold <= 65535)) ? hold : undefined;
  if (holdTime === undefined) return `${at}: holdTime must be 0 or 3..65535 seconds (RFC 4271 §4.2)`;
  const passive = o['passive'] === undefined ? true : o['passive'];
  if (typeof passive !== 'boolean') return `${at}: passive must be true or false`;
  const port = o['port'] === undefined ? 179 : o['port'];
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return `${at}: port must be 1..65535`;
  const maxP = o['maxPrefixes'];
  const maxPrefixes = maxP === undefined ? null : typeof maxP === 'number' && Number.isSafeInteger(maxP) && maxP >= 0 ? maxP : undefined;
  if (maxPrefixes === undefined) return `${at}: maxPrefixes must be an integer ≥ 0 (0: no limit)`;
  const description = o['description'] === undefined ? '' : o['description'];
  if (typeof description !== 'string') return `${at}: description must be a string`;
  const host = address.length === (address.family === 4 ? 32 : 128);
  if (!passive && !host) return `${at}: an active neighbor (passive: false) needs one address, not the network ${address.text}`;
  return { address, asn, localAsn, holdTime, passive, port, maxPrefixes, description };
}

/** YAML: a list of neighbor mappings; env: the same list as YAML/JSON flow text. */
const bgpNeighborList: ConfigKind<readonly BgpNeighborConfig[]> = {
  type: 'list of {address, asn, localAsn?, holdTime?, passive?, port?, maxPrefixes?, description?} (env: YAML flow)',
  fromYaml: (raw) => {
    if (raw === null) return good([]);
    if (!Array.isArray(raw)) return bad('a list of neighbors such as [{address: 10.0.0.0/24, asn: any}]');
    const out: BgpNeighborConfig[] = [];
    for (const [i, item] of (raw as unknown[]).entries()) {
      const n = parseNeighbor(item, i);
      if (typeof n === 'string') return bad(`a list of neighbors; ${n}`);
      out.push(n);
    }
    return good(out);
  },
  fromText: (t) => {
    if (t.trim() === '') return good([]);
    try {
      return bgpNeighborList.fromYaml(parseYaml(t));
    } catch {
      return bad('a YAML flow list such as [{address: 10.0.0.0/24, asn: any}]');
    }
  },
  toYaml: (v) =>
    v.map((n) => ({
      address: n.address.text,
      asn: n.asn.kind === 'any' ? 'any' : n.asn.min === n.asn.max ? n.asn.min : `${n.asn.min}-${n.asn.max}`,
      ...(n.localAsn !== null && { localAsn: n.localAsn }),
      ...(n.holdTime !== null && { holdTime: n.holdTime }),
      ...(!n.passive && { passive: false }),
      ...(n.port !== 179 && { port: n.port }),
      ...(n.maxPrefixes !== null && { maxPrefixes: n.maxPrefixes }),
      ...(n.description !== '' && { description: n.description }),
    })),
};

/** "" or an IPv4 address (a BGP Identifier, RFC 4271 §4.2). */
const optionalIPv4: ConfigKind<string> = {
  type: 'IPv4 address, or ""',
  fromYaml: (raw) => (raw === null || raw === '' ? good('') : typeof raw === 'string' ? optionalIPv4.fromText(raw) : bad('an IPv4 address')),
  fromText: (t) => {
    const v = t.trim();
    return v === '' || (isIPv4(v) && v !== '0.0.0.0') ? good(v) : bad('an IPv4 address other than 0.0.0.0');
  },
  toYaml: (v) => v,
};

// ---- the schema ----------------------------------------------------------------------------

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
      listOf(['prefix-flap', 'session-flap', 'rfd', 'leaks', 'prefix-limit'] as const),
      ['prefix-flap', 'session-flap', 'rfd', 'leaks', 'prefix-limit'],
      'Stream detectors that run: prefix-flap, session-flap, rfd (route-flap dampening), leaks (against the inventory), prefix-limit.',
    ),
    metricsListen: key(
      optionalHostPort,
      { host: '127.0.0.1', port: 9110 },
      'Address of `ribwatch analyzer`\'s Prometheus /metrics endpoint (detector state, observations, alerts, audits); "" disables it. `ribwatch run` serves these on collector.metricsListen.',
    ),
    tickSeconds: key(integer(1, 3600, 'an integer from 1 to 3600'), 1, 'How often the detectors do their time-based work (clearing after quiet periods, reuse, eviction).'),
    maxPathKeys: key(integer(1000, 100_000_000, 'an integer from 1000 to 100000000'), 2_000_000, 'Per-path state cap of the prefix-flap and dampening detectors (least recently used dropped beyond it).'),
    maxPeerKeys: key(integer(100, 10_000_000, 'an integer from 100 to 10000000'), 100_000, 'Cap on per-peer state (session flaps, prefix-limit families) and on leak sightings.'),
    flap: {
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
    rfd: {
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
  // The alerts' own fragment (analyzer/alerts/options.ts, documented in docs/alerts.md).
  alerts: alertsConfigSchema.alerts,
  slack: alertsConfigSchema.slack,
  webhook: alertsConfigSchema.webhook,
};

interface SchemaSection {
  readonly [k: string]: ConfigKey<unknown> | SchemaSection;
}

export type Config = ConfigOf<typeof configSchema>;

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

// ---- loading -------------------------------------------------------------------------------

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? (problems[0] ?? '') : `configuration has ${problems.length} problems:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** The YAML file; absent means defaults + environment only. */
  readonly file?: string;
  /** Text of the file (tests); `file` is then only the name shown in messages. */
  readonly text?: string;
  /** Environment to read RIBWATCH_* from (default: none, so tests are hermetic; the CLI passes process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line overrides by key path, as text ("collector.listen" → "0.0.0.0:11019"). */
  readonly overrides?: Readonly<Record<string, string>>;
}

export interface Loaded {
  readonly config: Config;
  /** Things worth a log line that are not errors (unknown RIBWATCH_* variables). */
  readonly warnings: readonly string[];
}

function show(raw: unknown): string {
  if (raw === null || raw === undefined) return 'nothing';
  const s = JSON.stringify(raw);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Environment variables that are not configuration keys but belong to ribwatch. */
const NON_KEY_ENV = new Set(['RIBWATCH_CONFIG']);

export function loadConfig(opts: LoadOptions = {}): Loaded {
  const entries = configEntries();
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const values = new Map<string, unknown>(entries.map((e) => [e.path, e.key.defaultValue]));
  const problems: string[] = [];
  const warnings: string[] = [];

  if (opts.file !== undefined || opts.text !== undefined) {
    const label = opts.file !== undefined ? basename(opts.file) : 'config';
    let text = opts.text;
    if (text === undefined && opts.file !== undefined) {
      try {
        text = readFileSync(opts.file, 'utf8');
      } catch (err) {
        throw new ConfigError([`${opts.file}: cannot read: ${err instanceof Error ? err.message : String(err)}`]);
      }
    }
    readYaml(text ?? '', label, byPath, values, problems);
  }

  const env = opts.env ?? {};
  const envByName = new Map(entries.map((e) => [e.env, e]));
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith('RIBWATCH_') || text === undefined) continue;
    const e = envByName.get(name);
    if (!e) {
      if (!NON_KEY_ENV.has(name)) warnings.push(`${name}: not a configuration key (ignored)`);
      continue;
    }
    const r = e.key.kind.fromText(text);
    if (r.ok) values.set(e.path, r.value);
    else problems.push(`environment ${name}: ${e.path}: expected ${r.expected}, got ${show(text)}`);
  }

  for (const [path, text] of Object.entries(opts.overrides ?? {})) {
    const e = byPath.get(path);
    if (!e) {
      problems.push(`command line: ${path}: unknown key`);
      continue;
    }
    const r = e.key.kind.fromText(text);
    if (r.ok) values.set(path, r.value);
    else problems.push(`command line: ${path}: expected ${r.expected}, got ${show(text)}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { config: assemble(values), warnings };
}

function readYaml(text: string, label: string, byPath: ReadonlyMap<string, ConfigEntry>, values: Map<string, unknown>, problems: string[]): void {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const at = lines.linePos(e.pos[0]);
      problems.push(`${label}:${at.line}:${at.col}: ${e.message.split('\n')[0] ?? e.message}`);
    }
    return;
  }
  const where = (n: YamlNode | null | undefined): string => {
    const off = n?.range?.[0];
    return off === undefined ? '' : ` (line ${lines.linePos(off).line})`;
  };
  const sections = new Set([...byPath.keys()].flatMap((p) => p.split('.').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('.'))));
  const walk = (node: unknown, prefix: string): void => {
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return; // "collector:" with nothing under it
    if (!isMap(node)) {
      problems.push(`${label}: ${prefix === '' ? '(top level)' : prefix}: expected a mapping of keys${where(node as YamlNode)}`);
      return;
    }
    for (const pair of node.items) {
      const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const path = prefix === '' ? k : `${prefix}.${k}`;
      const entry = byPath.get(path);
      if (entry) {
        const v = pair.value;
        const raw: unknown = isScalar(v) || isSeq(v) || isMap(v) ? v.toJSON() : v;
        const r = entry.key.kind.fromYaml(raw);
        if (r.ok) values.set(path, r.value);
        else problems.push(`${label}: ${path}: expected ${r.expected}, got ${show(raw)}${where(v as YamlNode)}`);
      } else if (sections.has(path)) {
        walk(pair.value, path);
      } else {
        const known = [...byPath.keys(), ...sections]
          .filter((p) => p.startsWith(prefix === '' ? '' : `${prefix}.`) && p.split('.').length === path.split('.').length)
          .map((p) => p.split('.').pop());
        problems.push(`${label}: ${path}: unknown key (known here: ${[...new Set(known)].join(', ')})${where(pair.key as YamlNode)}`);
      }
    }
  };
  walk(doc.contents, '');
}

function assemble(values: ReadonlyMap<string, unknown>): Config {
  const root: Record<string, unknown> = {};
  for (const [path, v] of values) {
    const segs = path.split('.');
    let at = root;
    for (const s of segs.slice(0, -1)) at = (at[s] ??= {}) as Record<string, unknown>;
    at[segs[segs.length - 1] ?? ''] = v;
  }
  // The shape is built from the schema's own paths, so it is a Config by construction.
  return root as unknown as Config;
}

/** The configuration with every key at its default. */
export function defaultConfig(): Config {
  return loadConfig().config;
}

// ---- rendering (docs/configuration.md, deploy/ribwatch.example.yaml) -----------------------

function yamlInline(v: unknown): string {
  return stringify(v, { flow: true, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }).trim();
}

/** The reference table for docs/configuration.md. */
export function renderConfigReference(): string {
  const out: string[] = [];
  let section = '';
  for (const e of configEntries()) {
    const s = e.path.split('.')[0] ?? '';
    if (s !== section) {
      section = s;
      out.push('', `### \`${s}\``, '', '| key | environment | type | default | description |', '|---|---|---|---|---|');
    }
    const def = yamlInline(e.key.kind.toYaml(e.key.defaultValue)).replace(/\|/g, '\\|');
    out.push(`| \`${e.path}\` | \`${e.env}\` | ${e.key.kind.type.replace(/\|/g, '\\|')} | \`${def}\` | ${e.key.description.replace(/\|/g, '\\|')} |`);
  }
  return `${out.join('\n').trim()}\n`;
}

/** A complete config file with every key at its default, each described in a comment. */
export function renderExampleConfig(): string {
  const out = [
    '# ribwatch configuration: every key with its default value.',
    '# Each key can be overridden by an environment variable, named in the comment above it.',
    '# Generated from config/config.ts (renderExampleConfig); docs/configuration.md explains the keys.',
  ];
  let open: string[] = [];
  for (const e of configEntries()) {
    const segs = e.path.split('.');
    const parents = segs.slice(0, -1);
    // Open every section header this key needs that the previous key did not (nested sections indent).
    let same = 0;
    while (same < parents.length && same < open.length && parents[same] === open[same]) same++;
    for (let d = same; d < parents.length; d++) {
      if (d === 0) out.push('');
      out.push(`${'  '.repeat(d)}${parents[d] ?? ''}:`);
    }
    open = parents;
    const pad = '  '.repeat(parents.length);
    out.push(`${pad}# ${e.key.description}`, `${pad}# env: ${e.env}`, `${pad}${segs.at(-1) ?? ''}: ${yamlInline(e.key.kind.toYaml(e.key.defaultValue))}`);
  }
  return `${out.join('\n')}\n`;
}
