/**
 * The kinds of configuration values: how one key's value is read from YAML and from environment
 * or command-line text, checked, and shown in the reference. Every schema key uses one of these;
 * the messages name what was expected ("expected an integer from 1 to 100000, got \"x\"").
 */
import { isIPv4 } from 'node:net';
import { validate as validateCron } from 'node-cron';
import { parse as parseYaml } from 'yaml';
import { formatHostPort, parseCidr, parseHostPort } from '../net/addresses.js';
import type { Cidr, HostPort } from '../net/addresses.js';
import type { ConfigKind, Parsed } from './key.js';
import { silenceProblems } from './silences.js';
import type { SilenceInput } from './silences.js';

const good = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(expected: string): Parsed<T> => ({ ok: false, expected });

export function integer(min: number, max: number, what = `an integer from ${min} to ${max}`): ConfigKind<number> {
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
export function byteSize(min: number, max: number): ConfigKind<number> {
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

export const hostPort: ConfigKind<HostPort> = {
  type: 'HOST:PORT ([IPv6]:PORT)',
  fromYaml: (raw) => (typeof raw === 'string' ? hostPort.fromText(raw) : bad('HOST:PORT')),
  fromText: (text) => {
    const r = parseHostPort(text.trim());
    return typeof r === 'string' ? bad(`HOST:PORT (${r})`) : good(r);
  },
  toYaml: (v) => formatHostPort(v),
};

/** HOST:PORT, or "" for "off". */
export const optionalHostPort: ConfigKind<HostPort | null> = {
  type: 'HOST:PORT, or "" to disable',
  fromYaml: (raw) => (raw === '' || raw === null ? good(null) : hostPort.fromYaml(raw)),
  fromText: (text) => (text.trim() === '' ? good(null) : hostPort.fromText(text)),
  toYaml: (v) => (v === null ? '' : formatHostPort(v)),
};

export const cidrList: ConfigKind<readonly Cidr[]> = {
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

export function nonEmptyString(what: string): ConfigKind<string> {
  return {
    type: 'string',
    fromYaml: (raw) => (typeof raw === 'string' && raw !== '' ? good(raw) : bad(what)),
    fromText: (text) => (text !== '' ? good(text) : bad(what)),
    toYaml: (v) => v,
  };
}

export function oneOf<const T extends string>(values: readonly T[]): ConfigKind<T> {
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

/** Any text, "" included ("" usually means "not set"); `check` (when given) judges any other text. */
export function text(what: string, type = 'string', check?: (s: string) => boolean): ConfigKind<string> {
  const ok = (s: string): Parsed<string> => (s === '' || !check || check(s) ? good(s) : bad(what));
  return {
    type,
    fromYaml: (raw) => (typeof raw === 'string' ? ok(raw) : raw === null ? good('') : bad(what)),
    fromText: (t) => ok(check ? t.trim() : t),
    toYaml: (v) => v,
  };
}

/** true/false; in the environment also 1/0 and yes/no (any case). */
export const bool: ConfigKind<boolean> = {
  type: 'true | false',
  fromYaml: (raw) => (typeof raw === 'boolean' ? good(raw) : bad('true or false')),
  fromText: (t) => {
    const v = t.trim().toLowerCase();
    // "" is no answer: an empty RIBWATCH_* variable is a mistake to report, not "false".
    return v === 'true' || v === '1' || v === 'yes' ? good(true) : v === 'false' || v === '0' || v === 'no' ? good(false) : bad('true or false');
  },
  toYaml: (v) => v,
};

/** A number with an optional fraction ("0.5"). */
export function decimal(min: number, max: number): ConfigKind<number> {
  const what = `a number from ${min} to ${max}`;
  const check = (n: number): Parsed<number> => (Number.isFinite(n) && n >= min && n <= max ? good(n) : bad(what));
  return {
    type: `number ${min}..${max}`,
    fromYaml: (raw) => (typeof raw === 'number' ? check(raw) : bad(what)),
    fromText: (t) => (/^\s*\d+(\.\d+)?\s*$/.test(t) ? check(Number(t)) : bad(what)),
    toYaml: (v) => v,
  };
}

/** An integer that may be negative (e.g. -1 for "the broker's default"). */
export function signedInteger(min: number, max: number, what: string): ConfigKind<number> {
  const check = (n: number): Parsed<number> => (Number.isSafeInteger(n) && n >= min && n <= max ? good(n) : bad(what));
  return {
    type: `integer ${min}..${max}`,
    fromYaml: (raw) => (typeof raw === 'number' ? check(raw) : bad(what)),
    fromText: (t) => (/^\s*-?\d+\s*$/.test(t) ? check(Number(t)) : bad(what)),
    toYaml: (v) => v,
  };
}

/** A list of HOST:PORT, kept as text ("127.0.0.1:9092"); env: comma-separated. */
export const hostPortList: ConfigKind<readonly string[]> = {
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
export const optionalHttpUrl: ConfigKind<string> = {
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
export function listOf<const T extends string>(values: readonly T[]): ConfigKind<readonly T[]> {
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
export const cronSchedule: ConfigKind<string> = {
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
export const apiTokenList: ConfigKind<readonly ApiTokenEntry[]> = {
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

/** Silences: a YAML list of mappings; in the environment, the same list as JSON. */
export const silenceList: ConfigKind<readonly SilenceInput[]> = {
  type: 'list of {matchers, startsAt, endsAt, reason, createdBy} (env: JSON)',
  fromYaml: (raw) => {
    if (raw === null) return good([]);
    if (!Array.isArray(raw)) return bad('a list of silences ({matchers: {router: leaf1}, startsAt, endsAt, reason})');
    for (const [i, s] of (raw as unknown[]).entries()) {
      const p = silenceProblems(s);
      if (p.length > 0) return bad(`a list of silences; item ${i + 1}: ${p.join('; ')}`);
    }
    return good(raw as SilenceInput[]);
  },
  fromText: (t) => {
    if (t.trim() === '') return good([]);
    try {
      return silenceList.fromYaml(JSON.parse(t));
    } catch {
      return bad('a JSON list of silences');
    }
  },
  toYaml: (v) => v,
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

export const MAX_ASN = 4294967295;

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
export const bgpNeighborList: ConfigKind<readonly BgpNeighborConfig[]> = {
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
export const optionalIPv4: ConfigKind<string> = {
  type: 'IPv4 address, or ""',
  fromYaml: (raw) => (raw === null || raw === '' ? good('') : typeof raw === 'string' ? optionalIPv4.fromText(raw) : bad('an IPv4 address')),
  fromText: (t) => {
    const v = t.trim();
    return v === '' || (isIPv4(v) && v !== '0.0.0.0') ? good(v) : bad('an IPv4 address other than 0.0.0.0');
  },
  toYaml: (v) => v,
};
