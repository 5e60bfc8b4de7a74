/**
 * What a BGP UPDATE's encoding depends on, negotiated by the two OPENs of a session: whether AS
 * numbers are 4 octets (RFC 6793) and, per AFI/SAFI, whether NLRI carry ADD-PATH path
 * identifiers (RFC 7911). BMP gives the decoder both OPENs in Peer Up; see bmp/router-state.ts for how
 * they are combined per direction.
 */
export interface SessionConfig {
  readonly fourOctetAs: boolean;
  /** AFI/SAFI keys (see {@link afiSafiKey}) whose NLRI carry path identifiers. */
  readonly addPath: ReadonlySet<number>;
  /**
   * When true (default), NLRI that do not consume their field exactly in the configured mode are
   * re-tried in the other mode (with/without path IDs), and a 4-octet AS_PATH that does not parse is
   * re-tried as 2-octet. Needed for peers without Peer Up and for router bugs.
   */
  readonly trialParse?: boolean;
}

export function afiSafiKey(afi: number, safi: number): number {
  return (afi << 8) | safi;
}

/** The config to use without any OPEN: 4-octet AS, no ADD-PATH, trial parsing on. */
export const DEFAULT_SESSION: SessionConfig = Object.freeze({ fourOctetAs: true, addPath: new Set<number>(), trialParse: true });

/** Names used in summaries and records: "ipv4-unicast", ..., "afi-<n>-safi-<m>" for the rest. */
export function afiSafiName(afi: number, safi: number): string {
  switch ((afi << 8) | safi) {
    case 0x0101: return 'ipv4-unicast';
    case 0x0201: return 'ipv6-unicast';
    case 0x0102: return 'ipv4-multicast';
    case 0x0202: return 'ipv6-multicast';
    case 0x0104: return 'ipv4-labeled-unicast';
    case 0x0204: return 'ipv6-labeled-unicast';
    case 0x0180: return 'ipv4-vpn';
    case 0x0280: return 'ipv6-vpn';
    case (25 << 8) | 65: return 'l2vpn-vpls';
    case (25 << 8) | 70: return 'l2vpn-evpn';
    default: return `afi-${afi}-safi-${safi}`;
  }
}
