/**
 * Peer Up Notification (RFC 7854 §4.10, RFC 9069 §5.2): per-peer header, Local Address (16),
 * Local Port (2), Remote Port (2), Sent OPEN, Received OPEN (each a whole BGP message), then
 * Information TLVs (0 string, 3 VRF/Table Name, 4 Admin Label; others kept raw). For Loc-RIB
 * peers both OPENs are the router's fabricated OPEN describing the Route Monitoring encoding.
 */
import type { Cursor, Writer } from '../../cursor.js';
import { ErrorCode, fail, ok } from '../../errors.js';
import type { Result } from '../../errors.js';
import { decodeOpen, encodeOpen } from '../../bgp/index.js';
import type { BgpOpen } from '../../bgp/types.js';
import { addressBytes, BGP_HEADER_LENGTH, peerAddressText } from '../header.js';
import { PeerUpTlvType } from '../types.js';
import type { PeerUp, PerPeerHeader } from '../types.js';
import { allText, decodeTlvs, encodeTlvs, firstText } from '../tlv.js';

function readOpen(c: Cursor, which: string): Result<{ open: BgpOpen; pdu: Uint8Array }> {
  const at = c.pos;
  if (c.remaining < BGP_HEADER_LENGTH) return fail(ErrorCode.Short, `peer up: ${which} OPEN is missing`, at);
  const len = (c.buf[at + 16]! << 8) | c.buf[at + 17]!;
  if (len < BGP_HEADER_LENGTH || len > c.remaining) return fail(ErrorCode.Length, `peer up: ${which} OPEN length ${len} does not fit the ${c.remaining} bytes left`, at + 16);
  const pdu = c.bytes(len)!;
  const r = decodeOpen(pdu);
  if (!r.ok) return fail(r.error.code, `peer up: ${which} OPEN: ${r.error.message}`, at + (r.error.offset ?? 0));
  return ok({ open: r.value, pdu });
}

export function decodePeerUp(c: Cursor, peer: PerPeerHeader): Result<PeerUp> {
  const at = c.pos;
  if (c.remaining < 20) return fail(ErrorCode.Short, 'peer up: local address and ports are missing', at);
  const localAddressRaw = c.bytes(16)!;
  const localAddress = peerAddressText(localAddressRaw, 0, peer.peerType, peer.flags);
  const localPort = c.u16();
  const remotePort = c.u16();
  const sent = readOpen(c, 'sent');
  if (!sent.ok) return sent;
  const received = readOpen(c, 'received');
  if (!received.ok) return received;
  const t = decodeTlvs(c, 'peer up information');
  if (!t.ok) return t;
  const tlvs = t.value;
  const base = {
    type: 3 as const,
    peer,
    localAddress,
    localPort,
    remotePort,
    sentOpen: sent.value.open,
    receivedOpen: received.value.open,
    tlvs,
    sentOpenPdu: sent.value.pdu,
    receivedOpenPdu: received.value.pdu,
    localAddressRaw,
  };
  if (tlvs.length === 0) return ok(base);
  const extra: { strings?: string[]; vrfName?: string; adminLabel?: string } = {};
  const strings = allText(tlvs, PeerUpTlvType.String);
  if (strings.length > 0) extra.strings = strings;
  const vrfName = firstText(tlvs, PeerUpTlvType.VrfTableName);
  if (vrfName !== undefined) extra.vrfName = vrfName;
  const adminLabel = firstText(tlvs, PeerUpTlvType.AdminLabel);
  if (adminLabel !== undefined) extra.adminLabel = adminLabel;
  return ok({ ...base, ...extra });
}

/** Writes the OPEN PDUs as received when kept, else encodes the OPEN structures. */
export function encodePeerUpBody(w: Writer, m: PeerUp): void {
  w.bytes(addressBytes(m.localAddress, m.localAddressRaw, m.peer.peerType, m.peer.flags));
  w.u16(m.localPort).u16(m.remotePort);
  w.bytes(m.sentOpenPdu ?? encodeOpen(m.sentOpen));
  w.bytes(m.receivedOpenPdu ?? encodeOpen(m.receivedOpen));
  encodeTlvs(w, m.tlvs);
}
