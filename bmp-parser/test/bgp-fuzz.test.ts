// Every BGP decode entry point on random input: bodies of random bytes behind a valid header, and
// UPDATEs whose length fields are consistent but whose contents are random, under each kind of
// session. The property: a Result comes back (ok or an error with an RW_ERR_* code), nothing throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, decodeBgpMessage, decodeNotification, decodeOpen, decodeUpdate } from '../src/index.js';
import type { Result, SessionConfig } from '../src/index.js';

let s = 0x9e3779b9;
function rnd(n: number): number {
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  return (s >>> 0) % n;
}
function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rnd(256);
  return b;
}
function message(type: number, body: Uint8Array): Uint8Array {
  const m = new Uint8Array(19 + body.length);
  m.fill(0xff, 0, 16);
  m[16] = m.length >>> 8;
  m[17] = m.length & 255;
  m[18] = type;
  m.set(body, 19);
  return m;
}
const CODES = new Set<string>(Object.values(ErrorCode));
function wellFormed<T>(r: Result<T>): void {
  if (!r.ok) assert.ok(CODES.has(r.error.code), r.error.code);
}
const CONFIGS: SessionConfig[] = [
  { fourOctetAs: true, addPath: new Set(), trialParse: true },
  { fourOctetAs: false, addPath: new Set(), trialParse: true },
  { fourOctetAs: true, addPath: new Set([0x0101, 0x0201, 0x0104, 0x0180, 0x0280, 0x1946]), trialParse: true },
  { fourOctetAs: true, addPath: new Set([0x0101]), trialParse: false },
];

void test('random bodies behind a valid header never throw from any decoder (20000 messages)', () => {
  for (let i = 0; i < 20000; i++) {
    const type = 1 + rnd(6);
    const m = message(type, randomBytes(rnd(i % 10 === 0 ? 600 : 80)));
    const cfg = CONFIGS[rnd(CONFIGS.length)]!;
    wellFormed(decodeBgpMessage(m, cfg));
    if (type === 1) wellFormed(decodeOpen(m));
    if (type === 2) wellFormed(decodeUpdate(m, cfg));
    if (type === 3) wellFormed(decodeNotification(m));
  }
});

void test('UPDATEs with consistent length fields and random attributes and NLRI never throw (20000 messages)', () => {
  const codes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32, 99];
  const families: [number, number][] = [
    [1, 1],
    [2, 1],
    [1, 4],
    [2, 4],
    [1, 128],
    [2, 128],
    [25, 70],
    [1, 133],
  ];
  let decoded = 0;
  for (let i = 0; i < 20000; i++) {
    const attrs: number[] = [];
    const n = rnd(6);
    for (let k = 0; k < n; k++) {
      const code = codes[rnd(codes.length)]!;
      let value: number[];
      if (code === 14 || code === 15) {
        const [afi, safi] = families[rnd(families.length)]!;
        value = [afi >>> 8, afi & 255, safi];
        if (code === 14) {
          const nh = [0, 4, 12, 16, 24, 32, 48][rnd(7)]!;
          value.push(nh, ...randomBytes(nh), 0);
        }
        value.push(...randomBytes(rnd(40)));
      } else value = [...randomBytes(rnd(20))];
      const ext = value.length > 255 || rnd(4) === 0;
      attrs.push(0x40 | (ext ? 0x10 : 0) | (rnd(2) << 7), code, ...(ext ? [value.length >>> 8, value.length & 255] : [value.length]), ...value);
    }
    const wd = [...randomBytes(rnd(3) === 0 ? rnd(12) : 0)];
    const nlri = [...randomBytes(rnd(16))];
    const body = new Uint8Array([wd.length >>> 8, wd.length & 255, ...wd, attrs.length >>> 8, attrs.length & 255, ...attrs, ...nlri]);
    const r = decodeUpdate(message(2, body), CONFIGS[rnd(CONFIGS.length)]!);
    wellFormed(r);
    if (r.ok) decoded++;
  }
  // The generator reaches deep: a good share of these decode (with errors kept inside).
  assert.ok(decoded > 1000, `only ${decoded} decoded`);
});
