/**
 * Shared shapes of the capture layer: packets as read from a pcap/pcapng file, and the outcome
 * of reading one (a value, never a throw: a capture is untrusted input).
 */

/** One link-layer frame from a capture file. */
export interface CapturedPacket {
  /** 0-based index of the packet in the file (Wireshark's frame number minus one). */
  readonly index: number;
  /** LINKTYPE_* value (https://www.tcpdump.org/linktypes.html) of the interface that captured it. */
  readonly linkType: number;
  /** Capture time, seconds since the epoch (UTC) and nanoseconds within that second. */
  readonly tsSec: number;
  readonly tsNsec: number;
  /** The captured bytes (a view into the file buffer; may be shorter than the original frame). */
  readonly data: Uint8Array;
  /** Length of the frame on the wire. */
  readonly originalLength: number;
}

export type CaptureFormat = 'pcap' | 'pcapng';

export interface PacketList {
  readonly format: CaptureFormat;
  readonly packets: readonly CapturedPacket[];
  /** Things a reader should know but that did not stop the read (truncated last record, ...). */
  readonly notes: readonly string[];
}

export type ReadResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/** LINKTYPE_* values this layer understands. */
export const LinkType = {
  Null: 0,
  Ethernet: 1,
  /** DLT_RAW on most BSDs and Linux when written without the LINKTYPE mapping. */
  RawDlt12: 12,
  RawDlt14: 14,
  Raw: 101,
  Loop: 108,
  LinuxSll: 113,
  Ipv4: 228,
  Ipv6: 229,
  LinuxSll2: 276,
} as const;
