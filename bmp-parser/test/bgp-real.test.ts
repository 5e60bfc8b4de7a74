// Real BGP messages: the UPDATEs inside bgpdump's MRT test files (RIS and route-collector feeds
// from 2002 to 2016, 2- and 4-octet sessions, one RFC 8654 extended message) decode to the
// announce/withdraw counts of `bgpdump -m` (testdata/real/EXPECTED.md §4), and re-encode byte for
// byte. The shared folder is looked up at <repo>/../shared; without it these tests skip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodeUpdate, encodeUpdate } from '../src/index.js';
import type { SessionConfig } from '../src/index.js';

/** Compiled to bmp-parser/dist/test: the repo root is three levels up, the shared folder beside it. */
const here = dirname(fileURLToPath(import.meta.url));
const MRT = resolve(here, '../../..', '..', 'shared', 'testdata', 'real', 'mrt', 'bgpdump', 'test_data');
const skip = existsSync(MRT) ? false : `shared test data not found at ${MRT}`;

interface Tally {
  messages: number;
  announced: number;
  withdrawn: number;
  failed: number;
  identical: number;
}

/**
 * Walks BGP4MP / BGP4MP_ET records (RFC 6396 §4.4, RFC 8050 for the ADD-PATH subtypes) and
 * decodes each UPDATE with the session the subtype implies (AS4 subtypes: 4-octet AS).
 */
function tally(file: string): Tally {
  let raw = readFileSync(join(MRT, file));
  if (raw[0] === 0x1f && raw[1] === 0x8b) raw = gunzipSync(raw);
  const b = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  const t: Tally = { messages: 0, announced: 0, withdrawn: 0, failed: 0, identical: 0 };
  let off = 0;
  while (off + 12 <= b.length) {
    const type = (b[off + 4]! << 8) | b[off + 5]!;
    const sub = (b[off + 6]! << 8) | b[off + 7]!;
    const len = b[off + 8]! * 0x1000000 + ((b[off + 9]! << 16) | (b[off + 10]! << 8) | b[off + 11]!);
    const end = off + 12 + len;
    let q = off + 12 + (type === 17 ? 4 : 0);
    if ((type === 16 || type === 17) && [1, 4, 8, 9].includes(sub)) {
      const as4 = sub === 4 || sub === 9;
      q += (as4 ? 8 : 4) + 2;
      const afi = (b[q]! << 8) | b[q + 1]!;
      q += 2 + (afi === 2 ? 32 : 8);
      const msg = b.subarray(q, end);
      if (msg[18] === 2) {
        const cfg: SessionConfig = { fourOctetAs: as4, addPath: new Set(sub >= 8 ? [0x0101, 0x0201] : []), trialParse: true };
        t.messages++;
        const r = decodeUpdate(msg, cfg);
        if (!r.ok) t.failed++;
        else {
          const u = r.value;
          t.announced += u.nlri.length + (u.attributes.mpReach?.nlri.length ?? 0);
          t.withdrawn += u.withdrawn.length + (u.attributes.mpUnreach?.withdrawn.length ?? 0);
          if (Buffer.compare(encodeUpdate(u, cfg), msg) === 0) t.identical++;
        }
      }
    }
    off = end;
  }
  return t;
}

// bgpdump -m A and W lines per file (EXPECTED.md §4): one line per prefix announced or withdrawn.
const CASES: [string, number, number][] = [
  ['updates.20020722.2238.gz', 825, 2419],
  ['updates.20070211.0141.gz', 51329, 2328],
  ['updates.20071015.1505.gz', 10111, 385],
  ['updates.20100722.2015.gz', 5067, 547],
  ['updates.20160811.1600.gz', 39256, 1956],
  ['updates.et-header.2015.gz', 577737, 3],
  ['updates.long_withdrawal.gz', 0, 4096],
];

for (const [file, announced, withdrawn] of CASES) {
  void test(`${file}: every UPDATE decodes to bgpdump's ${announced} announced and ${withdrawn} withdrawn prefixes and re-encodes byte for byte`, { skip }, () => {
    const t = tally(file);
    assert.equal(t.failed, 0);
    assert.equal(t.announced, announced);
    assert.equal(t.withdrawn, withdrawn);
    assert.equal(t.identical, t.messages);
  });
}

void test('updates.nlri_mask_trailing_bits.gz: the one route bgpdump prints, 11.8.0.0/13', { skip }, () => {
  const t = tally('updates.nlri_mask_trailing_bits.gz');
  assert.deepEqual([t.messages, t.failed, t.announced], [1, 0, 1]);
});
