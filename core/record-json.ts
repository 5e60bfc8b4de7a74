/**
 * The JSON text of a record, as every sink writes it (NDJSON now, the bus next).
 *
 * Route records are nearly all of the volume (one per Route Monitoring message, a few hundred
 * thousand a second in a table dump) and serialising them was the collector's largest cost. They
 * are assembled here from parts that repeat between consecutive records and are serialised once:
 * the router/session head, the peer, and the attributes object, which records-from-bmp reuses
 * while a peer's attribute bytes repeat. Every part still goes through JSON.stringify, and the
 * result is exactly JSON.stringify(record): test/unit/collector-json.test.ts holds the two equal.
 */
import type { BusRecord, PeerRef, RouteAttributes, RouteRecord } from './records.js';

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

function routeJson(r: RouteRecord): string {
  if (r.router !== headRouter || r.session !== headSession) {
    headRouter = r.router;
    headSession = r.session;
    headText = `{"v":1,"type":"route","router":${JSON.stringify(r.router)},"session":${JSON.stringify(r.session)},"seq":`;
  }
  if (r.peer !== lastPeer) {
    lastPeer = r.peer;
    lastPeerText = JSON.stringify(r.peer);
  }
  // time, router_time, rib and afi_safi are made by the collector from digits, letters and
  // "-:.TZ", so they need no escaping; everything else is JSON.stringify's.
  return (
    `${headText}${r.seq},"time":"${r.time}","peer":${lastPeerText},"rib":"${r.rib}","afi_safi":"${r.afi_safi}","router_time":"${r.router_time}"` +
    `,"attributes":${r.attributes === null ? 'null' : attributesJson(r.attributes)},"announced":${JSON.stringify(r.announced)}` +
    `,"withdrawn":${JSON.stringify(r.withdrawn)},"dump":${r.dump}}`
  );
}

/** How many keys routeJson writes; a route record with any other count (built elsewhere, or a new field) is stringified whole. */
const ROUTE_KEY_COUNT = 14;

function hasRouteShape(r: RouteRecord): boolean {
  // A cheap guard: the builder in collector/records-from-bmp.ts makes exactly these keys.
  let n = 0;
  for (const _k in r) n++;
  return n === ROUTE_KEY_COUNT;
}

export function recordJson(r: BusRecord): string {
  return r.type === 'route' && hasRouteShape(r) ? routeJson(r) : JSON.stringify(r);
}

