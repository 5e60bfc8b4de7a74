/**
 * A small builder of bus records for the analyzer tests: one router session, a clock in ms that
 * the test moves, and one method per record type with just the fields that matter.
 */
import type {
  BusRecord,
  EndOfRibRecord,
  PeerDownRecord,
  PeerRef,
  PeerUpRecord,
  RouteAttributes,
  RouteRecord,
  RouterDownRecord,
  RouterInitRecord,
  RouterUpRecord,
  StatsRecord,
} from '../../records/types.js';
import type { RibView } from '@ribwatch/bmp-parser';

export const T0 = Date.parse('2026-11-21T12:00:00.000Z');

export interface PeerSpec {
  readonly address: string;
  readonly asn: number;
}

export const NODE1: PeerSpec = { address: '127.0.10.2', asn: 64512 };
export const NODE2: PeerSpec = { address: '127.0.10.3', asn: 4200000002 };
export const SELF: PeerSpec = { address: '0.0.0.0', asn: 0 };

export function attrs(over: Partial<RouteAttributes> = {}): RouteAttributes {
  return {
    origin: 'igp',
    as_path: [64512],
    next_hop: '10.0.0.2',
    med: null,
    local_pref: null,
    atomic_aggregate: false,
    aggregator: null,
    communities: [],
    large_communities: [],
    ext_communities: [],
    originator_id: null,
    cluster_list: [],
    other: [],
    ...over,
  };
}

export interface RouteOpts {
  readonly rib?: RibView;
  readonly afi?: string;
  readonly attrs?: RouteAttributes;
  readonly dump?: boolean;
  readonly pathId?: number | null;
}

export class Rec {
  /** The clock, ms since the epoch; each record takes it as its arrival time. */
  now = T0;
  private seq = 0;
  session: string;
  private sessions = 0;

  constructor(
    readonly router = '127.0.0.1',
    readonly localAsn = 65001,
  ) {
    this.session = `${router}-s0`;
  }

  /** Moves the clock forward. */
  advance(seconds: number): this {
    this.now += seconds * 1000;
    return this;
  }

  at(ms: number): this {
    this.now = ms;
    return this;
  }

  private base<T extends BusRecord['type']>(type: T) {
    return { v: 1 as const, type, router: this.router, session: this.session, seq: ++this.seq, time: new Date(this.now).toISOString() };
  }

  peerRef(p: PeerSpec): PeerRef {
    return { address: p.address, asn: p.asn, bgp_id: p.address.includes(':') ? '10.0.0.9' : p.address, type: 'global', rd: null };
  }

  routerUp(): RouterUpRecord {
    this.session = `${this.router}-s${++this.sessions}`;
    this.seq = 0;
    return { ...this.base('router_up'), remote_port: 40000, local: '127.0.0.1:11019' };
  }

  routerInit(sysName: string | null): RouterInitRecord {
    return { ...this.base('router_init'), sys_name: sysName, sys_descr: 'FRRouting 8.4.4', info: [] };
  }

  routerDown(terminated = false): RouterDownRecord {
    return {
      ...this.base('router_down'),
      termination: terminated ? { reason: 0, reason_name: 'administratively-closed', info: [] } : null,
      cause: terminated ? 'termination' : 'connection closed',
    };
  }

  peerUp(p: PeerSpec, opts: { reset?: boolean; localAsn?: number } = {}): PeerUpRecord {
    const open = (asn: number, id: string) => ({ asn, bgp_id: id, hold_time: 9, families: ['ipv4-unicast', 'ipv6-unicast'], four_octet_as: true, add_path: {}, capabilities: [1, 2, 65], hostname: null });
    return {
      ...this.base('peer_up'),
      peer: this.peerRef(p),
      router_time: '2025-01-01T00:00:00.000Z',
      local_address: '127.0.10.1',
      local_port: 10179,
      remote_port: 40001,
      sent_open: open(opts.localAsn ?? this.localAsn, '10.0.0.1'),
      received_open: open(p.asn, p.address),
      info: [],
      reset: opts.reset ?? false,
    };
  }

  peerDown(p: PeerSpec, opts: { reason: number; notification?: [number, number]; fsm?: number | null; wasUp?: boolean }): PeerDownRecord {
    const names: Record<string, [string, string]> = {
      '6/1': ['Cease', 'Maximum Number of Prefixes Reached'],
      '6/2': ['Cease', 'Administrative Shutdown'],
      '6/3': ['Cease', 'Peer De-configured'],
      '6/4': ['Cease', 'Administrative Reset'],
      '4/0': ['Hold Timer Expired', 'Unspecific'],
    };
    const n = opts.notification;
    const nn = n ? (names[`${n[0]}/${n[1]}`] ?? ['Code', 'Subcode']) : null;
    const reasonNames = ['reserved', 'local-notification', 'local-no-notification', 'remote-notification', 'remote-no-notification', 'peer-deconfigured', 'local-system-closed'];
    return {
      ...this.base('peer_down'),
      peer: this.peerRef(p),
      router_time: '2025-01-01T00:00:00.000Z',
      reason: opts.reason,
      reason_name: reasonNames[opts.reason] ?? `reason-${opts.reason}`,
      notification: n && nn ? { code: n[0], subcode: n[1], code_name: nn[0], subcode_name: nn[1] } : null,
      fsm_event: opts.reason === 2 ? (opts.fsm ?? 0) : null,
      was_up: opts.wasUp ?? true,
    };
  }

  private route(p: PeerSpec, announced: readonly string[], withdrawn: readonly string[], o: RouteOpts): RouteRecord {
    const pid = o.pathId ?? null;
    return {
      ...this.base('route'),
      peer: this.peerRef(p),
      rib: o.rib ?? 'adj-in-pre',
      afi_safi: o.afi ?? ((announced[0] ?? withdrawn[0] ?? '').includes(':') ? 'ipv6-unicast' : 'ipv4-unicast'),
      router_time: '2025-01-01T00:00:00.000Z',
      attributes: announced.length > 0 ? (o.attrs ?? attrs({ as_path: [p.asn] })) : null,
      announced: announced.map((prefix) => ({ prefix, path_id: pid })),
      withdrawn: withdrawn.map((prefix) => ({ prefix, path_id: pid })),
      dump: o.dump ?? false,
    };
  }

  announce(p: PeerSpec, prefixes: string | readonly string[], o: RouteOpts = {}): RouteRecord {
    return this.route(p, typeof prefixes === 'string' ? [prefixes] : prefixes, [], o);
  }

  withdraw(p: PeerSpec, prefixes: string | readonly string[], o: RouteOpts = {}): RouteRecord {
    return this.route(p, [], typeof prefixes === 'string' ? [prefixes] : prefixes, o);
  }

  endOfRib(p: PeerSpec, rib: RibView = 'adj-in-pre', afi = 'ipv4-unicast'): EndOfRibRecord {
    return { ...this.base('end_of_rib'), peer: this.peerRef(p), rib, afi_safi: afi, router_time: '2025-01-01T00:00:00.000Z' };
  }

  stats(p: PeerSpec, counters: readonly { type: number; value: number; afi_safi?: string | null }[]): StatsRecord {
    return {
      ...this.base('stats'),
      peer: this.peerRef(p),
      router_time: '2025-01-01T00:00:00.000Z',
      counters: counters.map((c) => ({ type: c.type, name: `type-${c.type}`, value: c.value, afi_safi: c.afi_safi ?? null })),
    };
  }
}

/** Feeds records to a detector and collects every observation. */
export function feed<O>(d: { onRecord(r: BusRecord): O[] }, records: readonly BusRecord[]): O[] {
  const out: O[] = [];
  for (const r of records) out.push(...d.onRecord(r));
  return out;
}
