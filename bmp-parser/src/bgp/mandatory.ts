/**
 * Well-known mandatory attributes, RFC 4271 §5 and §6.3, with the RFC 7606 §3(d) handling: an
 * UPDATE that announces routes without ORIGIN or AS_PATH, or announces IPv4 NLRI (in the NLRI field)
 * without NEXT_HOP, is treated as withdrawing them (it used to reset the session). An UPDATE that
 * only withdraws needs no attributes, and MP_REACH_NLRI carries its own next hop (RFC 4760 §3).
 *
 * A BMP feed reports what a router accepted, so only a BGP speaker applies this to what it receives.
 */
import type { BgpUpdate } from './types.js';

/** The missing attributes' names ("ORIGIN, AS_PATH"), or undefined when nothing required is missing. */
export function missingMandatoryAttributes(u: BgpUpdate): string | undefined {
  const a = u.attributes;
  const v4 = u.nlri.length > 0;
  const mp = a.mpReach !== undefined && (a.mpReach.nlri.length > 0 || (a.mpReach.rawNlri?.length ?? 0) > 0);
  if (!v4 && !mp) return undefined;
  const missing: string[] = [];
  if (a.origin === undefined) missing.push('ORIGIN');
  if (a.asPath === undefined) missing.push('AS_PATH');
  if (v4 && a.nextHop === undefined) missing.push('NEXT_HOP');
  return missing.length === 0 ? undefined : missing.join(', ');
}
