/**
 * Route-flap dampening profiles (RFC 2439 parameters) as the inventory names them per peer
 * (`dampening: cisco`), and the ceiling they imply; docs/dampening.md explains the model and the
 * numbers. They sit with the inventory because loading resolves a profile name (or explicit
 * parameters) into these values and warns about a suppress threshold above the ceiling; the
 * dampening detector (analyzer/detectors/rfd.ts) models paths with them.
 */

export const DAMPENING_PROFILE_NAMES = ['cisco', 'juniper', 'frr', 'rfc7196'] as const;
export type DampeningProfileName = (typeof DAMPENING_PROFILE_NAMES)[number];

/**
 * RFC 2439 parameters, resolved. Penalties in vendor units (1000 per withdrawal), times in seconds.
 * The effective ceiling is min(maxPenalty, reuse · 2^(maxSuppress / halfLife)) (docs/dampening.md §1).
 */
export interface DampeningParams {
  /** "cisco", "juniper", "frr", "rfc7196", or "explicit" (optionally over a named base). */
  readonly profile: string;
  readonly halfLifeSeconds: number;
  readonly reuse: number;
  readonly suppress: number;
  readonly maxSuppressSeconds: number;
  /** W: added on a withdrawal. */
  readonly withdrawal: number;
  /** Radv: added on a re-advertisement after a withdrawal (0 Cisco/FRR, 1000 Juniper). */
  readonly readvertisement: number;
  /** A: added on an attribute change (an implicit withdraw replaced by different attributes). */
  readonly attributeChange: number;
  /** An explicit max penalty (H3C, RFC 7196's ≥ 50 000); Infinity when only Tmax bounds it. */
  readonly maxPenalty: number;
}

const MIN = 60;

/** docs/dampening.md §2. RFC 7196: S = 6000 with Cisco increments, max penalty raised to 50 000. */
export const DAMPENING_PROFILES: Readonly<Record<DampeningProfileName, DampeningParams>> = {
  cisco: { profile: 'cisco', halfLifeSeconds: 15 * MIN, reuse: 750, suppress: 2000, maxSuppressSeconds: 60 * MIN, withdrawal: 1000, readvertisement: 0, attributeChange: 500, maxPenalty: Infinity },
  frr: { profile: 'frr', halfLifeSeconds: 15 * MIN, reuse: 750, suppress: 2000, maxSuppressSeconds: 60 * MIN, withdrawal: 1000, readvertisement: 0, attributeChange: 500, maxPenalty: Infinity },
  juniper: { profile: 'juniper', halfLifeSeconds: 15 * MIN, reuse: 750, suppress: 3000, maxSuppressSeconds: 60 * MIN, withdrawal: 1000, readvertisement: 1000, attributeChange: 500, maxPenalty: Infinity },
  // Tmax chosen so that R·2^(Tmax/H) is exactly the raised 50 000 (≈ 91 min, docs/dampening.md §3).
  rfc7196: { profile: 'rfc7196', halfLifeSeconds: 15 * MIN, reuse: 750, suppress: 6000, maxSuppressSeconds: 15 * MIN * Math.log2(50000 / 750), withdrawal: 1000, readvertisement: 0, attributeChange: 500, maxPenalty: 50000 },
};

/**
 * `dampening: none` (or `false`): the router does not damp this peer (GoBGP, BIRD, most fabrics);
 * nothing is modelled for it, whatever the analyzer's default profile.
 */
export const NO_DAMPENING: DampeningParams = Object.freeze({ profile: 'none', halfLifeSeconds: 900, reuse: 750, suppress: Infinity, maxSuppressSeconds: 3600, withdrawal: 0, readvertisement: 0, attributeChange: 0, maxPenalty: 0 });

/** The penalty a path can reach: min(maxPenalty, R · 2^(Tmax/H)). */
export function dampeningCeiling(p: DampeningParams): number {
  return Math.min(p.maxPenalty, p.reuse * 2 ** (p.maxSuppressSeconds / p.halfLifeSeconds));
}
