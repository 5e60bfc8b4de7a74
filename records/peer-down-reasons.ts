/**
 * Peer Down reason names as records carry them (`peer_down.reason_name`), for BMP's Peer Down
 * (RFC 7854 §4.9, RFC 9069 §5.3 for 6) and the BGP speaker's sessions alike.
 */
const PEER_DOWN_REASONS: Readonly<Record<number, string>> = {
  1: 'local-notification',
  2: 'local-no-notification',
  3: 'remote-notification',
  4: 'remote-no-notification',
  5: 'peer-deconfigured',
  6: 'local-system-closed',
};

export function peerDownReasonName(reason: number): string {
  return PEER_DOWN_REASONS[reason] ?? `reason-${reason}`;
}
