/**
 * The OpenBMP raw feed header (OBMP v1.7, BMP_RAW): byte layout checked field by field, round
 * trips for IPv4 and IPv6 routers, and refusals with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { decodeObmpRaw, encodeObmpRaw } from '../../bus/openbmp.js';

// A BMP v3 Initiation with no TLVs: version 3, length 6, type 4.
const bmp = Buffer.from([3, 0, 0, 0, 6, 4]);

test('OBMP raw: the header layout, field by field', () => {
  const t = Date.UTC(2026, 10, 21, 17, 0, 0, 250);
  const b = encodeObmpRaw(bmp, { adminId: 'rw1', router: '192.0.2.7', routerGroup: 'fabric', timeMs: t });
  const headerLen = 4 + 1 + 1 + 2 + 4 + 1 + 1 + 4 + 4 + 16 + 2 + 3 + 16 + 16 + 2 + 6 + 4;
  assert.equal(b.length, headerLen + bmp.length);
  assert.equal(b.toString('latin1', 0, 4), 'OBMP');
  assert.deepEqual([b[4], b[5]], [1, 7]);
  assert.equal(b.readUInt16BE(6), headerLen);
  assert.equal(b.readUInt32BE(8), bmp.length);
  assert.equal(b[12], 0x80, 'router message, IPv4');
  assert.equal(b[13], 12, 'BMP_RAW');
  assert.equal(b.readUInt32BE(14), Math.floor(t / 1000));
  assert.equal(b.readUInt32BE(18), 250_000);
  const collectorHash = createHash('md5').update('rw1').digest();
  assert.deepEqual(b.subarray(22, 38), collectorHash);
  assert.equal(b.readUInt16BE(38), 3);
  assert.equal(b.toString('utf8', 40, 43), 'rw1');
  const ipAt = 43 + 16;
  assert.deepEqual([...b.subarray(ipAt, ipAt + 16)], [192, 0, 2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(b.readUInt16BE(ipAt + 16), 6);
  assert.equal(b.toString('utf8', ipAt + 18, ipAt + 24), 'fabric');
  assert.equal(b.readUInt32BE(ipAt + 24), 1, 'row count');
  assert.deepEqual(b.subarray(headerLen), bmp);
});

test('OBMP raw: round trips, IPv4 and IPv6 routers', () => {
  for (const router of ['10.1.2.3', '2001:db8::1', 'fe80::1:2', '2001:db8:0:1:2:3:4:5', '::ffff:192.0.2.1']) {
    const m = decodeObmpRaw(encodeObmpRaw(bmp, { adminId: 'collector-a', router, timeMs: 1_795_000_000_123 }));
    assert.equal(m.adminId, 'collector-a');
    assert.equal(m.routerGroup, '');
    assert.equal(m.timeMs, 1_795_000_000_123);
    assert.deepEqual(m.bmp, bmp);
    assert.match(m.collectorHash, /^[0-9a-f]{32}$/);
    const expected = router === '::ffff:192.0.2.1' ? '::ffff:c000:201' : router;
    assert.equal(m.router, expected, router);
  }
});

test('OBMP raw: refusals name the reason', () => {
  const good = encodeObmpRaw(bmp, { adminId: 'a', router: '10.0.0.1', timeMs: 0 });
  assert.throws(() => decodeObmpRaw(Buffer.from('NOPE0000000000000000')), /bad magic/);
  const v = Buffer.from(good);
  v[5] = 6;
  assert.throws(() => decodeObmpRaw(v), /version 1\.6/);
  assert.throws(() => decodeObmpRaw(good.subarray(0, 30)), /truncated/);
  assert.throws(() => decodeObmpRaw(good.subarray(0, good.length - 1)), /truncated at BMP message/);
  assert.throws(() => encodeObmpRaw(bmp, { adminId: 'a', router: 'router-1', timeMs: 0 }), /not an IP address/);
});
