/**
 * Metric labels for BMP messages and decoder errors. The names of BMP code points themselves
 * (message and peer types, reasons, statistics types) are bmp-parser's (bmp/names.ts).
 */
import { BMP_MESSAGE_TYPE_NAMES, isBmpMessageType } from '@ribwatch/bmp-parser';

/** Metric label per BMP message type (RFC 7854 §4.1), then `other`; the label set stays bounded. */
export const BMP_MESSAGE_TYPE_LABELS = [...BMP_MESSAGE_TYPE_NAMES, 'other'] as const;

/** The index of a message type's label in BMP_MESSAGE_TYPE_LABELS. */
export function bmpMessageTypeIndex(type: number): number {
  return isBmpMessageType(type) ? type : BMP_MESSAGE_TYPE_NAMES.length;
}

/**
 * Metric label for a decoder error: "bgp-" or "bmp-" + the catalogue code ("RW_ERR_ATTRIBUTE" →
 * "bgp-attribute", "RW_ERR_BMP_TYPE" → "bmp-type"). The catalogue is closed, so the label set is.
 */
export function errorKind(layer: 'bmp' | 'bgp', code: string): string {
  const suffix = code.replace(/^RW_ERR_/, '').toLowerCase().replace(/_/g, '-');
  return suffix.startsWith(`${layer}-`) ? suffix : `${layer}-${suffix}`;
}
