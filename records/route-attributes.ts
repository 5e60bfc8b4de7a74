/**
 * Path attributes (decoded by bmp-parser) → the JSON form records carry (RouteAttributes), through
 * the parser's formatters so that every tool shows a community or a path the same way.
 *
 * The AS path is the effective one (RFC 6793 §4.2.3: a 2-octet AS_PATH merged with AS4_PATH), as
 * an array of ASNs with each AS_SET as a nested array, because that is what leak and flap
 * detection compare; the segment text form ("65001 {65002,65003}") is for display only.
 */
import { effectiveAggregator, effectiveAsPath, formatCommunity, formatExtendedCommunity, formatLargeCommunity } from '@ribwatch/bmp-parser';
import type { AsPathSegment, PathAttributes, RawAttribute } from '@ribwatch/bmp-parser';
import type { RouteAttributes } from './types.js';

const ORIGINS = ['igp', 'egp', 'incomplete'] as const;

/**
 * Sequences flatten into the path; sets (AS_SET, and AS_CONFED_SET) become nested arrays.
 * Confederation sequences are kept as plain ASNs: the record schema has no confed marker yet.
 */
export function asPathJson(segments: readonly AsPathSegment[]): (number | readonly number[])[] {
  if (segments.length === 1 && segments[0]!.type === 2) return segments[0]!.asns.slice();
  const out: (number | readonly number[])[] = [];
  for (const s of segments) {
    if (s.type === 1 || s.type === 4) out.push(s.asns.slice());
    else for (const asn of s.asns) out.push(asn);
  }
  return out;
}

function rawJson(r: RawAttribute): { code: number; flags: number; hex: string } {
  return { code: r.code, flags: r.flags, hex: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength).toString('hex') };
}

const EMPTY: readonly never[] = Object.freeze([]);

export function routeAttributes(a: PathAttributes): RouteAttributes {
  const agg = effectiveAggregator(a);
  return {
    origin: a.origin === undefined ? null : (ORIGINS[a.origin] ?? null),
    as_path: a.asPath === undefined ? EMPTY : asPathJson(a.as4Path === undefined ? a.asPath : effectiveAsPath(a)),
    next_hop: a.nextHop ?? null,
    med: a.med ?? null,
    local_pref: a.localPref ?? null,
    atomic_aggregate: a.atomicAggregate === true,
    aggregator: agg === undefined ? null : { asn: agg.asn, address: agg.address },
    communities: a.communities === undefined ? EMPTY : a.communities.map(formatCommunity),
    large_communities: a.largeCommunities === undefined ? EMPTY : a.largeCommunities.map(formatLargeCommunity),
    ext_communities: a.extendedCommunities === undefined ? EMPTY : a.extendedCommunities.map(formatExtendedCommunity),
    originator_id: a.originatorId ?? null,
    cluster_list: a.clusterList ?? EMPTY,
    other: a.other.length === 0 ? EMPTY : a.other.map(rawJson),
  };
}
