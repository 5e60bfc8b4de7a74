/**
 * Builders for collector tests: BMP messages made with bmp-parser's encoders (so the bytes are
 * what a router sends), a sink whose fullness the test controls, and a logger that keeps lines.
 */
import { Writable } from 'node:stream';
import { decodeOpen, encodeBmpMessage, encodeEndOfRib, encodeOpen, encodeUpdate } from '@ribwatch/bmp-parser';
import type { BgpOpen, BmpMessage, PerPeerHeader, UpdateInput } from '@ribwatch/bmp-parser';
import { createLogger } from '../../telemetry/log.js';
import type { Logger } from '../../telemetry/log.js';
import type { BusRecord } from '../../records/types.js';
import type { RecordSink } from '../../records/sink.js';

const SESSION = { fourOctetAs: true, addPath: new Set<number>() };

export function peer(address: string, asn: number, opts: { flags?: number; peerType?: number; ts?: number } = {}): PerPeerHeader {
  return {
    peerType: opts.peerType ?? 0,
    flags: opts.flags ?? (address.includes(':') ? 0x80 : 0),
    distinguisher: '0:0',
    distinguisherRaw: new Uint8Array(8),
    address,
    asn,
    bgpId: address.includes(':') ? '10.9.9.9' : address,
    timestampSec: opts.ts ?? 1_700_000_000,
    timestampUsec: 0,
  };
}

export function open(asn: number, bgpId: string, families: [number, number][] = [[1, 1], [2, 1]]): BgpOpen {
  const r = decodeOpen(encodeOpen({ version: 4, holdTime: 90, bgpId, asn, capabilities: { multiprotocol: families.map(([afi, safi]) => ({ afi, safi })), fourOctetAs: asn, routeRefresh: true } }));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

export function initiation(sysName: string, sysDescr = 'test router'): Uint8Array {
  return encodeBmpMessage({ type: 4, tlvs: [], sysName, sysDescr });
}

export function termination(reason: number): Uint8Array {
  return encodeBmpMessage({ type: 5, tlvs: [], reason });
}

export function peerUp(p: PerPeerHeader, ports: { local?: number; remote?: number } = {}): Uint8Array {
  const msg: BmpMessage = {
    type: 3,
    peer: p,
    localAddress: '127.0.10.1',
    localPort: ports.local ?? 179,
    remotePort: ports.remote ?? 40000,
    sentOpen: open(65001, '10.0.0.1'),
    receivedOpen: open(p.asn, p.bgpId),
    tlvs: [],
  };
  return encodeBmpMessage(msg);
}

export function peerDown(p: PerPeerHeader, reason = 4): Uint8Array {
  return encodeBmpMessage({ type: 2, peer: p, reason, tlvs: [], data: new Uint8Array(0) });
}

export function routeMonitoring(p: PerPeerHeader, u: UpdateInput): Uint8Array {
  return encodeBmpMessage({ type: 0, peer: p, pdu: encodeUpdate(u, SESSION) });
}

/** An IPv4 unicast announcement of one prefix (FRR style: one prefix per message). */
export function announce4(p: PerPeerHeader, prefix: string, extra: Partial<UpdateInput['attributes']> = {}): Uint8Array {
  return routeMonitoring(p, {
    withdrawn: [],
    nlri: [{ prefix, pathId: null }],
    attributes: { origin: 0, asPath: [{ type: 2, asns: [65001, p.asn] }], nextHop: '10.0.0.2', communities: [0xfde90064, 0xffffff01], ...extra },
  });
}

export function withdraw4(p: PerPeerHeader, prefix: string): Uint8Array {
  return routeMonitoring(p, { withdrawn: [{ prefix, pathId: null }], nlri: [], attributes: {} });
}

export function endOfRib(p: PerPeerHeader, afi = 1, safi = 1): Uint8Array {
  return encodeBmpMessage({ type: 0, peer: p, pdu: encodeEndOfRib(afi, safi) });
}

export function stats(p: PerPeerHeader): Uint8Array {
  const u32 = (v: number): Uint8Array => new Uint8Array([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
  const u64 = (v: number): Uint8Array => new Uint8Array([0, 0, 0, 0, ...u32(v)]);
  return encodeBmpMessage({
    type: 1,
    peer: p,
    counters: [
      { type: 0, value: 3n, raw: u32(3) },
      { type: 7, value: 200n, raw: u64(200) },
      { type: 65531, value: 1n, raw: u32(1) },
    ],
  });
}

export function concat(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

/**
 * A sink that keeps records in memory. `capacity` records fit before write() says "full";
 * `release()` empties it and resolves drained(), as a real sink does when its destination catches up.
 */
export class MemorySink implements RecordSink {
  readonly records: BusRecord[] = [];
  pending = 0;
  fullReports = 0;
  private waiters: (() => void)[] = [];

  constructor(public capacity = Number.POSITIVE_INFINITY) {}

  write(records: readonly BusRecord[]): boolean {
    this.records.push(...records);
    this.pending += records.length;
    const ok = this.pending < this.capacity;
    if (!ok) this.fullReports++;
    return ok;
  }

  drained(): Promise<void> {
    if (this.pending < this.capacity) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    this.pending = 0;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  ofType<T extends BusRecord['type']>(type: T): Extract<BusRecord, { type: T }>[] {
    return this.records.filter((r): r is Extract<BusRecord, { type: T }> => r.type === type);
  }
}

/** A logger whose JSON lines are kept for assertions. */
export function memoryLogger(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const log = createLogger({ level: 'debug', destination: stream });
  return {
    log,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() - start > timeoutMs) reject(new Error('timed out waiting for a condition'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}
