/**
 * The JSON text of a record, as every sink writes it (NDJSON and the bus).
 *
 * Route records are nearly all of the volume (one per Route Monitoring message, a few hundred
 * thousand a second in a table dump) and serialising them was the collector's largest cost. The
 * collector builds them as RouteRecordObject, and those are assembled here from parts that repeat
 * between consecutive records and are serialised once: the router/session head, the peer, and
 * the attributes object (records-from-bmp reuses it while a peer's attribute bytes repeat). The
 * result is exactly JSON.stringify(record); test/unit/collector-json.test.ts holds the two equal.
 * Any other record, including a route record built elsewhere, goes through JSON.stringify.
 */
import type { RibView } from '@ribwatch/bmp-parser';
import type { BusRecord, PeerRef, RouteAttributes, RoutePrefix, RouteRecord } from './types.js';
import { flat } from './flat-string.js';

/**
 * A route record as the collector builds it: a plain data object whose class marks the exact
 * key set and order the fast serialiser writes (fields are declared, then assigned, in that
 * order). Add a field here and in routeJson together; the equality test fails otherwise.
 */
export class RouteRecordObject implements RouteRecord {
  readonly v: 1;
  readonly type: 'route';
  readonly router: string;
  readonly session: string;
  readonly seq: number;
  readonly time: string;
  readonly peer: PeerRef;
  readonly rib: RibView;
  readonly afi_safi: string;
  readonly router_time: string;
  readonly attributes: RouteAttributes | null;
  readonly announced: readonly RoutePrefix[];
  readonly withdrawn: readonly RoutePrefix[];
  readonly dump: boolean;
  /** Only on records of a BGP feed (bgp/); a BMP record has no `feed` key at all. */
  readonly feed?: 'bgp';

  constructor(
    router: string,
    session: string,
    seq: number,
    time: string,
    peer: PeerRef,
    rib: RibView,
    afiSafi: string,
    routerTime: string,
    attributes: RouteAttributes | null,
    announced: readonly RoutePrefix[],
    withdrawn: readonly RoutePrefix[],
    dump: boolean,
    feed?: 'bgp',
  ) {
    this.v = 1;
    this.type = 'route';
    this.router = router;
    this.session = session;
    this.seq = seq;
    this.time = time;
    this.peer = peer;
    this.rib = rib;
    this.afi_safi = afiSafi;
    this.router_time = routerTime;
    this.attributes = attributes;
    this.announced = announced;
    this.withdrawn = withdrawn;
    this.dump = dump;
    if (feed !== undefined) this.feed = feed;
  }
}

/** Symbol-keyed, so JSON.stringify and Object.keys never see it. */
const JSON_TEXT = Symbol('ribwatch.json');
type WithText = { [JSON_TEXT]?: string };

let headRouter = '';
let headSession = '';
let headText = '';
let lastPeer: PeerRef | undefined;
let lastPeerText = '';

function attributesJson(a: RouteAttributes): string {
  const c = a as RouteAttributes & WithText;
  return (c[JSON_TEXT] ??= JSON.stringify(a));
}

/** IP prefix text ("10.0.0.0/24", "2001:db8::/32") needs no escaping; anything else is stringified. */
const PLAIN_PREFIX = /^[0-9a-f.:]+\/\d+$/;

function prefixesJson(ps: readonly RoutePrefix[]): string {
  if (ps.length === 0) return '[]';
  if (ps.length === 1) {
    // FRR sends one prefix per message: the common case, without JSON.stringify's generic walk.
    const p = ps[0]!;
    if (p.rd === undefined && p.labels === undefined && p.path_status === undefined && PLAIN_PREFIX.test(p.prefix)) {
      return `[{"prefix":"${p.prefix}","path_id":${p.path_id === null || !Number.isFinite(p.path_id) ? 'null' : p.path_id}}]`;
    }
  }
  return JSON.stringify(ps);
}


interface Mid {
  readonly time: string;
  readonly peer: PeerRef;
  readonly afiSafi: string;
  readonly routerTime: string;
  readonly text: string;
}

/** Per RIB view (FRR alternates pre- and post-policy), the run from "time" to "attributes". */
const midByRib = new Map<string, Mid>();

function midJson(r: RouteRecordObject): string {
  const m = midByRib.get(r.rib);
  if (m !== undefined && m.time === r.time && m.peer === r.peer && m.afiSafi === r.afi_safi && m.routerTime === r.router_time) return m.text;
  if (r.peer !== lastPeer) {
    lastPeer = r.peer;
    lastPeerText = JSON.stringify(r.peer);
  }
  // time and router_time (toISOString), rib (a fixed set) and afi_safi (letters, digits, "-")
  // are made by the collector and need no escaping.
  const text = flat(`,"time":"${r.time}","peer":${lastPeerText},"rib":"${r.rib}","afi_safi":"${r.afi_safi}","router_time":"${r.router_time}","attributes":`);
  midByRib.set(r.rib, { time: r.time, peer: r.peer, afiSafi: r.afi_safi, routerTime: r.router_time, text });
  return text;
}

function routeJson(r: RouteRecordObject): string {
  if (r.router !== headRouter || r.session !== headSession) {
    headRouter = r.router;
    headSession = r.session;
    headText = flat(`{"v":1,"type":"route","router":${JSON.stringify(r.router)},"session":${JSON.stringify(r.session)},"seq":`);
  }
  return (
    `${headText}${r.seq}${midJson(r)}${r.attributes === null ? 'null' : attributesJson(r.attributes)},"announced":${prefixesJson(r.announced)}` +
    `,"withdrawn":${prefixesJson(r.withdrawn)},"dump":${r.dump}${r.feed === undefined ? '' : `,"feed":"${r.feed}"`}}`
  );
}

export function recordJson(r: BusRecord): string {
  return r instanceof RouteRecordObject ? routeJson(r) : JSON.stringify(r);
}
