/**
 * A synthetic full Internet table as BMP, made with bmp-parser's encoders from a seeded PRNG, and
 * cached under .scratch/bench/ (gitignored) so reruns start at once.
 *
 * Table: 1,000,000 IPv4 and 230,000 IPv6 unique prefixes with a realistic length mix (IPv4 mostly
 * /24, then /22, /23, /16-/21; IPv6 mostly /48, then /32-/44), AS paths of 2-8 hops (first hop the
 * peer's AS, some prepending, some 4-octet ASNs), origin, MED on some, 0-10 communities, large
 * communities on some. Prefixes share attribute sets with a skew (a few sets carry hundreds of
 * prefixes, most carry one to a few): about one set per 3-4 prefixes.
 *
 * Two streams of the same table from one router and one peer (4-octet AS, multiprotocol IPv4 +
 * IPv6 unicast), Adj-RIB-In pre-policy:
 *   packed  Initiation, Peer Up, Route Monitoring with UPDATEs of up to 4096 bytes (one attribute
 *           set each; IPv6 in MP_REACH_NLRI), End-of-RIB for both families
 *   frr     the same, one prefix per Route Monitoring message (FRR's BMP module does this)
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeOpen, encodeBmpMessage, encodeEndOfRib, encodeOpen, encodeUpdate } from '@ribwatch/bmp-parser';
import type { BgpOpen, Nlri, PerPeerHeader, SessionConfig, UpdateInput } from '@ribwatch/bmp-parser';
import { Prng } from '../test/fuzz/prng.js';

/** Bump when the generator changes, so stale caches are not reused. */
const GENERATOR_VERSION = 4;
const MAX_UPDATE = 4096;
const SESSION: SessionConfig = { fourOctetAs: true, addPath: new Set() };

export type StreamStyle = 'packed' | 'frr';

export interface TableSpec {
  readonly seed: number;
  readonly v4: number;
  readonly v6: number;
}

export interface StreamMeta {
  readonly style: StreamStyle;
  readonly file: string;
  readonly bytes: number;
  readonly messages: number;
  readonly routeMonitoring: number;
  readonly prefixes: number;
  readonly v4Prefixes: number;
  readonly v6Prefixes: number;
  readonly attributeSets: number;
  readonly generator: number;
  readonly seed: number;
}

export const DEFAULT_TABLE: TableSpec = { seed: 20261121, v4: 1_000_000, v6: 230_000 };

/** Cumulative length mixes (weights need not sum to 1; they are normalised). */
const V4_LENGTHS: readonly (readonly [number, number])[] = [
  [8, 0.0002], [9, 0.0001], [10, 0.0003], [11, 0.0008], [12, 0.002], [13, 0.004], [14, 0.008], [15, 0.01],
  [16, 0.014], [17, 0.009], [18, 0.015], [19, 0.028], [20, 0.046], [21, 0.05], [22, 0.115], [23, 0.1],
  [24, 0.6], [25, 0.001], [26, 0.001], [27, 0.001], [28, 0.001], [29, 0.001], [30, 0.001], [32, 0.001],
];
const V6_LENGTHS: readonly (readonly [number, number])[] = [
  [19, 0.0002], [20, 0.0005], [24, 0.001], [28, 0.004], [29, 0.04], [30, 0.006], [31, 0.004], [32, 0.12],
  [33, 0.008], [34, 0.01], [35, 0.008], [36, 0.04], [37, 0.006], [38, 0.01], [39, 0.008], [40, 0.06],
  [41, 0.006], [42, 0.012], [43, 0.006], [44, 0.08], [45, 0.008], [46, 0.025], [47, 0.025], [48, 0.5],
  [56, 0.004], [64, 0.006],
];

function sampler(mix: readonly (readonly [number, number])[]): (r: Prng) => number {
  const total = mix.reduce((s, [, w]) => s + w, 0);
  const cum: number[] = [];
  let acc = 0;
  for (const [, w] of mix) cum.push((acc += w / total));
  return (r) => {
    const u = r.next();
    for (let i = 0; i < cum.length; i++) if (u < cum[i]!) return mix[i]![0];
    return mix[mix.length - 1]![0];
  };
}

interface AttrSet {
  readonly origin: number;
  readonly asPath: number[];
  readonly med?: number;
  readonly communities?: number[];
  readonly largeCommunities?: [number, number, number][];
}

const PEER_AS = 65010;

function attrSet(r: Prng): AttrSet {
  const hops = r.range(2, 8);
  const path: number[] = [PEER_AS];
  while (path.length < hops) {
    const asn = r.chance(0.12) ? r.range(131072, 401000) : r.range(1, 64495);
    const times = path.length > 1 && r.chance(0.08) ? r.range(2, 4) : 1;
    for (let i = 0; i < times && path.length < hops + 3; i++) path.push(asn);
  }
  const s: { -readonly [K in keyof AttrSet]: AttrSet[K] } = { origin: r.chance(0.85) ? 0 : r.chance(0.9) ? 2 : 1, asPath: path };
  if (r.chance(0.3)) s.med = r.int(1000);
  const nc = r.chance(0.3) ? 0 : r.range(1, 10);
  if (nc > 0) s.communities = Array.from({ length: nc }, () => ((r.chance(0.5) ? PEER_AS : r.range(1, 64495)) * 65536 + r.int(65536)) >>> 0);
  if (r.chance(0.08)) s.largeCommunities = Array.from({ length: r.range(1, 3) }, () => [PEER_AS, r.int(1000), r.int(100000)] as [number, number, number]);
  return s;
}

function v4Text(a: number, len: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}/${len}`;
}

/** Unique IPv4 prefixes as text. */
function v4Prefixes(r: Prng, n: number): string[] {
  const len = sampler(V4_LENGTHS);
  const seen = new Set<number>();
  const out: string[] = [];
  while (out.length < n) {
    const l = len(r);
    // 1.0.0.0 - 223.255.255.255
    const a = (r.range(1, 223) * 0x1000000 + r.int(0x1000000)) >>> 0;
    const m = l === 0 ? 0 : (a & (0xffffffff << (32 - l))) >>> 0;
    const key = m * 64 + l;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v4Text(m, l));
  }
  return out;
}

/** Unique IPv6 prefixes (inside 2000::/4) as text. */
function v6Prefixes(r: Prng, n: number): string[] {
  const len = sampler(V6_LENGTHS);
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < n) {
    const l = len(r);
    const g = [0x2000 | (r.int(0x1000) & 0x0fff), r.int(0x10000), r.int(0x10000), r.int(0x10000)];
    for (let i = 0; i < 4; i++) {
      const keep = Math.max(0, Math.min(16, l - i * 16));
      g[i] = keep === 0 ? 0 : g[i]! & ((0xffff << (16 - keep)) & 0xffff);
    }
    const text = `${g[0]!.toString(16)}:${g[1]!.toString(16)}:${g[2]!.toString(16)}:${g[3]!.toString(16)}::/${l}`;
    if (seen.has(text)) continue;
    seen.add(text);
    out.push(text);
  }
  return out;
}

function nlriBytes(prefix: string): number {
  const l = Number(prefix.slice(prefix.indexOf('/') + 1));
  return 1 + ((l + 7) >> 3);
}

function peerHeader(): PerPeerHeader {
  return {
    peerType: 0,
    flags: 0,
    distinguisher: '0:0',
    distinguisherRaw: new Uint8Array(8),
    address: '192.0.2.1',
    asn: PEER_AS,
    bgpId: '192.0.2.1',
    timestampSec: 1_767_225_600,
    timestampUsec: 0,
  };
}

function open(asn: number, bgpId: string): BgpOpen {
  const r = decodeOpen(encodeOpen({ version: 4, holdTime: 180, bgpId, asn, capabilities: { multiprotocol: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }], fourOctetAs: asn, routeRefresh: true } }));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Buffered writer of a stream file (4 MiB staging buffer). */
class StreamWriter {
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  private pos = 0;
  bytes = 0;
  messages = 0;
  routeMonitoring = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(m: Uint8Array): void {
    if (this.pos + m.length > this.buf.length) this.flush();
    if (m.length > this.buf.length) writeSync(this.fd, m);
    else {
      this.buf.set(m, this.pos);
      this.pos += m.length;
    }
    this.bytes += m.length;
    this.messages++;
    if (m[5] === 0) this.routeMonitoring++;
  }

  /** A Route Monitoring message from the constant 48-byte prefix and a BGP PDU. */
  routeMonitoringMsg(head: Uint8Array, pdu: Uint8Array): void {
    const len = head.length + pdu.length;
    if (this.pos + len > this.buf.length) this.flush();
    const b = this.buf;
    b.set(head, this.pos);
    b.writeUInt32BE(len, this.pos + 1);
    b.set(pdu, this.pos + head.length);
    this.pos += len;
    this.bytes += len;
    this.messages++;
    this.routeMonitoring++;
  }

  private flush(): void {
    if (this.pos > 0) writeSync(this.fd, this.buf, 0, this.pos);
    this.pos = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

interface Table {
  readonly v4: readonly { readonly set: number; readonly prefixes: string[] }[];
  readonly v6: readonly { readonly set: number; readonly prefixes: string[] }[];
  readonly sets: readonly AttrSet[];
  readonly v4Count: number;
  readonly v6Count: number;
}

/** Prefixes grouped by attribute set, skewed: set index = floor(N * u^2.2), so low indices gather many prefixes. */
function buildTable(spec: TableSpec): Table {
  const r = new Prng(spec.seed);
  const v4 = v4Prefixes(r, spec.v4);
  const v6 = v6Prefixes(r, spec.v6);
  const sets: AttrSet[] = [];
  const group = (prefixes: string[], nsets: number): { set: number; prefixes: string[] }[] => {
    const base = sets.length;
    for (let i = 0; i < nsets; i++) sets.push(attrSet(r));
    const by = new Map<number, string[]>();
    for (const p of prefixes) {
      const s = base + Math.floor(nsets * Math.pow(r.next(), 2.2));
      let l = by.get(s);
      if (l === undefined) by.set(s, (l = []));
      l.push(p);
    }
    return [...by].sort((a, b) => a[0] - b[0]).map(([set, ps]) => ({ set, prefixes: ps }));
  };
  // Sized so that the sets actually used come to about one per 3-4 prefixes.
  const g4 = group(v4, Math.round(spec.v4 * 0.35));
  const g6 = group(v6, Math.round(spec.v6 * 0.35));
  return { v4: g4, v6: g6, sets, v4Count: v4.length, v6Count: v6.length };
}

function updateFor(s: AttrSet, v6: boolean, nlri: Nlri[]): UpdateInput {
  const attributes: UpdateInput['attributes'] = { origin: s.origin, asPath: [{ type: 2, asns: s.asPath }] };
  if (s.med !== undefined) attributes.med = s.med;
  if (s.communities !== undefined) attributes.communities = s.communities;
  if (s.largeCommunities !== undefined) attributes.largeCommunities = s.largeCommunities;
  if (v6) {
    attributes.mpReach = { afi: 2, safi: 1, nextHops: ['2001:db8::1', 'fe80::1'], nlri };
    return { withdrawn: [], nlri: [], attributes };
  }
  attributes.nextHop = '192.0.2.1';
  return { withdrawn: [], nlri, attributes };
}

function writeStream(path: string, table: Table, style: StreamStyle): { bytes: number; messages: number; routeMonitoring: number } {
  const w = new StreamWriter(path);
  const peer = peerHeader();
  w.write(encodeBmpMessage({ type: 4, tlvs: [], sysName: 'bench-rtr1', sysDescr: 'ribwatch synthetic full table' }));
  w.write(
    encodeBmpMessage({ type: 3, peer, localAddress: '192.0.2.254', localPort: 179, remotePort: 40179, sentOpen: open(65000, '192.0.2.254'), receivedOpen: open(PEER_AS, '192.0.2.1'), tlvs: [] }),
  );
  // The 48 bytes before the BGP PDU of every Route Monitoring message (length patched per message).
  const head = encodeBmpMessage({ type: 0, peer, pdu: encodeEndOfRib(1, 1) }).slice(0, 48);
  for (const [fam, v6] of [[table.v4, false], [table.v6, true]] as const) {
    for (const g of fam) {
      const s = table.sets[g.set]!;
      if (style === 'frr') {
        for (const p of g.prefixes) w.routeMonitoringMsg(head, encodeUpdate(updateFor(s, v6, [{ prefix: p, pathId: null }]), SESSION));
        continue;
      }
      const empty = encodeUpdate(updateFor(s, v6, []), SESSION).length;
      // MP_REACH may switch to a 2-octet length once it holds NLRI: one spare byte.
      const room = MAX_UPDATE - empty - (v6 ? 1 : 0);
      let batch: Nlri[] = [];
      let used = 0;
      const flush = (): void => {
        if (batch.length === 0) return;
        const pdu = encodeUpdate(updateFor(s, v6, batch), SESSION);
        if (pdu.length > MAX_UPDATE) throw new Error(`UPDATE of ${pdu.length} bytes over ${MAX_UPDATE}`);
        w.routeMonitoringMsg(head, pdu);
        batch = [];
        used = 0;
      };
      for (const p of g.prefixes) {
        const n = nlriBytes(p);
        if (used + n > room) flush();
        batch.push({ prefix: p, pathId: null });
        used += n;
      }
      flush();
    }
    w.routeMonitoringMsg(head, encodeEndOfRib(v6 ? 2 : 1, 1));
  }
  w.close();
  return { bytes: w.bytes, messages: w.messages, routeMonitoring: w.routeMonitoring };
}

/** The stream files for a table, generated on first use and cached in dir (with a .json beside each). */
export function tableStreams(dir: string, spec: TableSpec = DEFAULT_TABLE, log: (s: string) => void = () => {}): Record<StreamStyle, StreamMeta> {
  mkdirSync(dir, { recursive: true });
  const name = (style: StreamStyle): string => join(dir, `table-g${GENERATOR_VERSION}-s${spec.seed}-${spec.v4}-${spec.v6}-${style}.bmp`);
  const out: Partial<Record<StreamStyle, StreamMeta>> = {};
  let table: Table | undefined;
  for (const style of ['packed', 'frr'] as const) {
    const file = name(style);
    const metaFile = `${file}.json`;
    if (existsSync(file) && existsSync(metaFile)) {
      out[style] = JSON.parse(readFileSync(metaFile, 'utf8')) as StreamMeta;
      continue;
    }
    if (table === undefined) {
      const t0 = Date.now();
      table = buildTable(spec);
      log(`generated the table (${table.v4Count} IPv4 + ${table.v6Count} IPv6 prefixes) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    const t0 = Date.now();
    const tmp = `${file}.tmp`;
    const w = writeStream(tmp, table, style);
    const used = new Set([...table.v4, ...table.v6].map((g) => g.set)).size;
    const meta: StreamMeta = {
      style,
      file,
      bytes: w.bytes,
      messages: w.messages,
      routeMonitoring: w.routeMonitoring,
      prefixes: table.v4Count + table.v6Count,
      v4Prefixes: table.v4Count,
      v6Prefixes: table.v6Count,
      attributeSets: used,
      generator: GENERATOR_VERSION,
      seed: spec.seed,
    };
    renameSync(tmp, file);
    writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
    log(`wrote ${file}: ${(w.bytes / 1048576).toFixed(1)} MiB, ${w.messages} messages, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    out[style] = meta;
  }
  return out as Record<StreamStyle, StreamMeta>;
}
