/**
 * analyzer/detectors/dampening: the exact RFC 2439 figure of merit against the continuous formula, and
 * the suppress/reuse numbers docs/dampening.md §3 derives for each profile, including a penalty landing
 * exactly on the threshold, the ceiling, forget at R/2, the steady-state projection, iBGP, dumps
 * and stale withdrawals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInventory } from '../../inventory/inventory.js';
import { DampeningDetector } from '../../analyzer/detectors/dampening.js';
import type { DampeningOptions } from '../../analyzer/detectors/dampening.js';
import type { Observation } from '../../analyzer/types.js';
import { NODE1, Rec, SELF, T0, attrs, feed } from './analyzer-records.js';
import type { PeerSpec } from './analyzer-records.js';

const P = '10.244.1.0/24';
const H = 900_000; // 15 min in ms
const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b} (±${eps})`);

/** A detector with the peer already up and the prefix announced (as part of the dump). */
function setup(profile: DampeningOptions['defaultProfile'] = 'cisco', peer: PeerSpec = NODE1, opts: DampeningOptions = {}) {
  const rec = new Rec();
  const d = new DampeningDetector(undefined, { defaultProfile: profile, ...opts });
  const out: Observation[] = [];
  const push = (r: Parameters<DampeningDetector['onRecord']>[0]) => {
    out.push(...d.onRecord(r));
  };
  push(rec.routerUp());
  push(rec.routerInit('leaf1'));
  push(rec.peerUp(peer));
  push(rec.announce(peer, P, { dump: true }));
  push(rec.endOfRib(peer));
  const at = (ms: number) => rec.at(T0 + ms);
  const w = (ms: number) => push(at(ms).withdraw(peer, P));
  const a = (ms: number, as_path: number[] = [peer.asn]) => push(at(ms).announce(peer, P, { attrs: attrs({ as_path }) }));
  const pen = (ms?: number) => d.inspect('127.0.0.1', peer.address, 'ipv4-unicast', P, null, ms === undefined ? undefined : T0 + ms);
  return { rec, d, out, push, w, a, pen };
}

void test('the penalty after a mixed sequence equals the continuous formula to 1e-9', () => {
  const { w, a, pen } = setup('cisco');
  w(0);
  a(60_000);
  w(61_000);
  a(300_000);
  a(400_000, [64512, 64999]); // attribute change
  w(1_000_000);
  a(1_000_500);
  const dec = (x: number, dt: number) => x * 2 ** (-dt / H);
  let p = 1000;
  p = dec(p, 61_000) + 1000; // second withdrawal (the re-advertisement at 60 s added 0)
  p = dec(p, 339_000) + 500; // attribute change at 400 s
  p = dec(p, 600_000) + 1000; // withdrawal at 1000 s
  // The re-advertisement at 1000.5 s adds 0 (Cisco) but the state is decayed to it.
  close(pen()?.penalty ?? NaN, dec(p, 500));
  assert.equal(pen()?.flaps, 4);
  // …and decays continuously afterwards (no 5-second vendor ticks).
  close(pen(1_000_000 + 1234)?.penalty ?? NaN, dec(p, 1234));
  close(pen(1_000_000 + 2 * H)?.penalty ?? NaN, p / 4, 1e-6);
});

void test('Juniper adds Radv on a re-advertisement; the same sequence matches its formula', () => {
  const { w, a, pen } = setup('juniper');
  w(0);
  a(30_000);
  w(90_000);
  a(200_000);
  const dec = (x: number, dt: number) => x * 2 ** (-dt / H);
  const expected = dec(dec(dec(1000, 30_000) + 1000, 60_000) + 1000, 110_000) + 1000;
  close(pen()?.penalty ?? NaN, expected);
});

void test('Cisco: 2 rapid withdrawals fall just short, the 3rd suppresses (docs/dampening.md §3)', () => {
  const { w, a, out, pen } = setup('cisco');
  w(0);
  a(500);
  w(1000);
  a(1500);
  assert.ok((pen()?.penalty ?? 0) < 2000);
  assert.equal(pen()?.suppressed, false);
  assert.ok(!out.some((o) => o.severity === 'critical'));
  w(2000);
  assert.equal(pen()?.suppressed, true);
  const crit = out.filter((o) => o.severity === 'critical');
  assert.equal(crit.length, 1);
  const o = crit[0] as Observation;
  assert.equal(o.kind, 'dampening');
  assert.equal(o.active, true);
  assert.deepEqual(o.subject, { router: 'leaf1', peer: '127.0.10.2', afiSafi: 'ipv4-unicast', prefix: P });
  assert.equal(o.at, new Date(T0 + 2000).toISOString());
  assert.equal(o.facts['suppressed'], true);
  assert.equal(o.facts['flaps'], 3);
  assert.equal(o.facts['profile'], 'cisco');
  assert.equal(o.facts['profile_source'], 'default');
  const p = pen()?.penalty ?? NaN;
  assert.equal(o.facts['reuse_at'], new Date(T0 + 2000 + H * Math.log2(p / 750)).toISOString());
  assert.match(o.summary, /suppressed/);
});

void test('a penalty landing exactly on the threshold suppresses; reuse after 15·log2(2000/750) ≈ 21.2 min, reported at that exact time', () => {
  const { w, a, out, d, pen } = setup('cisco');
  w(0);
  a(0);
  w(0);
  assert.equal(pen()?.penalty, 2000);
  assert.equal(pen()?.suppressed, true, 'P = S suppresses (≥)');
  const reuseMs = H * Math.log2(2000 / 750);
  close(reuseMs / 60_000, 21.23, 0.01);
  assert.equal(pen()?.reuseAtMs, T0 + reuseMs);
  assert.deepEqual(d.tick(T0 + reuseMs - 1), []);
  const cleared = d.tick(T0 + reuseMs + 1);
  assert.equal(cleared.length, 1);
  assert.equal(cleared[0]?.active, false);
  assert.equal(cleared[0]?.at, new Date(T0 + reuseMs).toISOString());
  assert.equal(cleared[0]?.facts['cleared_because'], 'reusable');
  assert.equal(out.filter((o) => o.active).length, 1);
});

void test('Juniper: about 2 withdraw/readvertise cycles; exactly S after W+Radv+W; reuse after 30 min', () => {
  const spaced = setup('juniper');
  spaced.w(0);
  spaced.a(1000);
  spaced.w(2000);
  assert.equal(spaced.pen()?.suppressed, false, 'the second withdrawal falls just short of 3000');
  spaced.a(3000);
  assert.equal(spaced.pen()?.suppressed, true, 'the second re-advertisement crosses it');

  const exact = setup('juniper');
  exact.w(0);
  exact.a(0);
  exact.w(0);
  assert.equal(exact.pen()?.penalty, 3000);
  assert.equal(exact.pen()?.suppressed, true);
  assert.equal(exact.pen()?.reuseAtMs, T0 + 30 * 60_000);
});

void test('RFC 7196 (S = 6000): 7 rapid withdrawals suppress, 6 at one instant land exactly on S; reuse after 45 min; ceiling 50 000 → ≈ 91 min', () => {
  const spaced = setup('rfc7196');
  for (let i = 0; i < 6; i++) {
    spaced.w(i * 1000);
    spaced.a(i * 1000 + 500);
  }
  assert.equal(spaced.pen()?.suppressed, false);
  spaced.w(6000);
  assert.equal(spaced.pen()?.suppressed, true);
  assert.equal(spaced.pen()?.flaps, 7);

  const exact = setup('rfc7196');
  for (let i = 0; i < 6; i++) {
    exact.w(0);
    exact.a(0);
  }
  assert.equal(exact.pen()?.penalty, 6000);
  assert.equal(exact.pen()?.suppressed, true);
  close(exact.pen()?.reuseAtMs ?? NaN, T0 + 45 * 60_000, 1e-6);

  const ceiling = setup('rfc7196');
  for (let i = 0; i < 60; i++) {
    ceiling.w(0);
    ceiling.a(0);
  }
  close(ceiling.pen()?.penalty ?? NaN, 50000, 1e-6);
  close(((ceiling.pen()?.reuseAtMs ?? NaN) - T0) / 60_000, 15 * Math.log2(50000 / 750), 1e-6);
});

void test('attribute churn alone (A = 500): 5 rapid changes suppress, 4 at one instant land exactly on 2000', () => {
  const spaced = setup('cisco');
  for (let i = 1; i <= 4; i++) spaced.a(i * 1000, [64512, 65000 + i]);
  assert.equal(spaced.pen()?.suppressed, false);
  spaced.a(5000, [64512, 65005]);
  assert.equal(spaced.pen()?.suppressed, true);

  const exact = setup('cisco');
  for (let i = 1; i <= 4; i++) exact.a(0, [64512, 65000 + i]);
  assert.equal(exact.pen()?.penalty, 2000);
  assert.equal(exact.pen()?.suppressed, true);
  close(((exact.pen()?.reuseAtMs ?? NaN) - T0) / 60_000, 15 * Math.log2(2000 / 750), 1e-6);
});

void test('an identical re-announcement adds nothing', () => {
  const { a, pen } = setup('cisco');
  a(1000);
  a(2000);
  assert.equal(pen()?.penalty, 0);
  assert.equal(pen()?.flaps, 0);
});

void test('the ceiling: Cisco clips at R·2^(Tmax/H) = 12 000, reusable after exactly 60 min', () => {
  const { w, a, pen } = setup('cisco');
  for (let i = 0; i < 20; i++) {
    w(0);
    a(0);
  }
  assert.equal(pen()?.penalty, 12000);
  close(pen()?.reuseAtMs ?? NaN, T0 + 60 * 60_000, 1e-6);
});

void test('a suppress threshold above the ceiling never suppresses', () => {
  const { w, a, pen } = setup({ ...cisco(), suppress: 13000 });
  for (let i = 0; i < 30; i++) {
    w(0);
    a(0);
  }
  assert.equal(pen()?.penalty, 12000);
  assert.equal(pen()?.suppressed, false);
});

function cisco() {
  return { profile: 'explicit(cisco)', halfLifeSeconds: 900, reuse: 750, suppress: 2000, maxSuppressSeconds: 3600, withdrawal: 1000, readvertisement: 0, attributeChange: 500, maxPenalty: Infinity };
}

void test('forget: below R/2 the history is dropped, and the next withdrawal starts from zero', () => {
  const { w, a, d, pen } = setup('cisco');
  w(0);
  a(1000);
  const forgetMs = H * Math.log2(1000 / 375);
  close(pen(forgetMs)?.penalty ?? NaN, 375, 1e-6);
  d.tick(T0 + forgetMs - 10);
  assert.equal(pen()?.flaps, 1, 'kept while above R/2');
  d.tick(T0 + forgetMs + 10);
  assert.equal(pen()?.penalty, 0);
  assert.equal(pen()?.flaps, 0);
  w(forgetMs + 20_000);
  assert.equal(pen()?.penalty, 1000, 'no residue from before');
  // The same happens lazily at the next event without a tick.
  a(forgetMs + 30_000);
  const later = forgetMs + 30_000 + H * Math.log2(1000 / 374);
  w(later);
  assert.equal(pen()?.penalty, 1000);
  assert.equal(pen()?.flaps, 1);
});

void test('the projected penalty is shown clipped at the ceiling: a flap every 20 s under RFC 7196 tends to P∞ ≈ 65k, but a penalty never passes 50 000', () => {
  const { w, a, out, pen } = setup('rfc7196');
  for (let i = 0; i < 3; i++) {
    w(i * 20_000);
    a(i * 20_000 + 1000);
  }
  // Three withdrawals 20 s apart: ≈ 2950 < S = 6000, not suppressed, but P∞ = 1000/(1−2^(−20/900)) ≈ 65 400 ≥ S: warned.
  assert.equal(pen()?.suppressed, false);
  const warn = out.filter((o) => o.severity === 'warning');
  assert.equal(warn.length, 1);
  assert.equal(warn[0]?.facts['projected_penalty'], 50000);
  assert.equal(warn[0]?.facts['ceiling'], 50000);
});

void test('"will be suppressed at this rate": P∞ = I/(1−2^(−Δ/H)) against S, with the boundary Δ = 15 min for Cisco', () => {
  const run = (periodMs: number, cycles: number) => {
    const s = setup('cisco');
    for (let i = 0; i < cycles; i++) {
      s.w(i * periodMs);
      s.a(i * periodMs + 1000);
    }
    return s;
  };
  // Every 12 minutes: P∞ = 1000/(1−2^(−0.8)) ≈ 2349 ≥ 2000. Two periods observed at the third
  // withdrawal (1904 so far): warned; the fourth (≈ 2093) suppresses, as forecast.
  const P12 = 720_000;
  const fast = run(P12, 3);
  const warn = fast.out.filter((o) => o.severity === 'warning');
  assert.equal(warn.length, 1);
  const wo = warn[0] as Observation;
  assert.equal(wo.active, true);
  assert.equal(wo.at, new Date(T0 + 2 * P12).toISOString());
  assert.equal(wo.facts['projected_penalty'], Math.round(1000 / (1 - 2 ** -0.8)));
  assert.equal(wo.facts['flap_period_s'], 720);
  assert.equal(wo.facts['increment_per_cycle'], 1000);
  assert.equal(wo.facts['suppress_eta'], new Date(T0 + 3 * P12).toISOString());
  assert.match(wo.summary, /will be suppressed/);
  assert.equal(fast.pen()?.suppressed, false);
  fast.w(3 * P12);
  assert.equal(fast.pen()?.suppressed, true, 'the forecast was right');
  // One period is not a rate: two quick withdrawals (an LB IP moved away and back) warn of nothing.
  const once = run(2000, 2);
  assert.equal(once.out.length, 0);

  // Exactly every 15 min: P∞ = 2000 = S → warned; one second slower → not.
  const edge = run(H, 3);
  assert.ok(edge.out.some((o) => o.severity === 'warning'));
  assert.equal(edge.pen()?.suppressed, false);
  const slower = run(H + 1000, 6);
  assert.deepEqual(slower.out, []);

  // Once the flapping stops the warning clears when the penalty decays below R.
  const p = edge.pen()?.penalty ?? NaN;
  const reuse = T0 + 2 * H + 1000 + H * Math.log2(p / 750);
  const cleared = edge.d.tick(reuse + 1);
  assert.equal(cleared.length, 1);
  assert.equal(cleared[0]?.active, false);
  assert.equal(cleared[0]?.facts['cleared_because'], 'decayed');
});

void test('iBGP is never damped (router AS from Peer Up equals the peer AS)', () => {
  const ibgp: PeerSpec = { address: '127.0.10.9', asn: 65001 };
  const { w, a, pen, out } = setup('cisco', ibgp);
  for (let i = 0; i < 10; i++) {
    w(i * 1000);
    a(i * 1000 + 500);
  }
  assert.equal(pen(), undefined);
  assert.equal(out.length, 0);
});

void test('iBGP from the inventory router AS when Peer Up was missed', () => {
  const inv = parseInventory('routers:\n  - { name: leaf1, sysName: leaf1, role: leaf, asn: 65001 }\n');
  const rec = new Rec();
  const d = new DampeningDetector(inv);
  const peer: PeerSpec = { address: '127.0.10.9', asn: 65001 };
  feed(d, [rec.routerUp(), rec.routerInit('leaf1'), rec.announce(peer, P, { dump: true })]);
  for (let i = 0; i < 5; i++) feed(d, [rec.advance(1).withdraw(peer, P), rec.advance(1).announce(peer, P)]);
  assert.equal(d.inspect('127.0.0.1', peer.address, 'ipv4-unicast', P), undefined);
});

void test('a reset with full re-dump adds no penalty, and FRR stale withdrawals after it are no-ops', () => {
  const { rec, push, pen, out, d } = setup('juniper');
  push(rec.at(T0 + 1000).announce(NODE1, '10.244.9.0/24'));
  // The session resets; the new one dumps P with other attributes but not 10.244.9.0/24.
  push(rec.at(T0 + 2000).peerDown(NODE1, { reason: 3, notification: [6, 4] }));
  push(rec.at(T0 + 3000).peerUp(NODE1));
  push(rec.at(T0 + 3100).announce(NODE1, P, { dump: true, attrs: attrs({ as_path: [64512, 64512] }) }));
  push(rec.at(T0 + 3200).withdraw(NODE1, '10.244.9.0/24', { dump: true }));
  push(rec.at(T0 + 3300).endOfRib(NODE1));
  // FRR flushes the old session's withdrawals after the new Peer Up, live.
  push(rec.at(T0 + 20_000).withdraw(NODE1, '10.244.9.0/24'));
  push(rec.at(T0 + 20_100).withdraw(NODE1, '10.244.7.0/24'));
  assert.equal(pen()?.penalty, 0);
  assert.equal(d.inspect('127.0.0.1', NODE1.address, 'ipv4-unicast', '10.244.9.0/24')?.penalty, 0);
  assert.equal(out.length, 0);
  // A router reconnect (new BMP session) with a full re-dump: nothing either.
  push(rec.at(T0 + 30_000).routerDown());
  push(rec.routerUp());
  push(rec.routerInit('leaf1'));
  push(rec.peerUp(NODE1));
  push(rec.announce(NODE1, P, { dump: true }));
  push(rec.withdraw(NODE1, P, { dump: true }));
  push(rec.announce(NODE1, P, { dump: true }));
  assert.equal(pen()?.penalty, 0);
  assert.equal(out.length, 0);
  // Live churn afterwards counts again.
  push(rec.at(T0 + 40_000).withdraw(NODE1, P));
  assert.equal(pen()?.penalty, 1000);
});

void test('the router itself (FRR peer 0.0.0.0, AS 0) is not modelled', () => {
  const { rec, push, d } = setup('cisco');
  push(rec.announce(SELF, '0.0.0.0/0', { rib: 'adj-in-post' }));
  push(rec.withdraw(SELF, '0.0.0.0/0', { rib: 'adj-in-post' }));
  assert.equal(d.inspect('127.0.0.1', '0.0.0.0', 'ipv4-unicast', '0.0.0.0/0'), undefined);
});

void test('pre-policy is followed when present; post-policy only for peers without a pre-policy feed', () => {
  const { rec, push, pen, d } = setup('cisco');
  // Post-policy records of a peer that has a pre-policy feed are ignored (no double counting).
  push(rec.at(T0 + 1000).withdraw(NODE1, P, { rib: 'adj-in-post' }));
  push(rec.at(T0 + 1000).withdraw(NODE1, P));
  assert.equal(pen()?.penalty, 1000);
  // A peer monitored post-policy only.
  const other: PeerSpec = { address: '127.0.10.4', asn: 64512 };
  push(rec.peerUp(other));
  push(rec.announce(other, P, { rib: 'adj-in-post', dump: true }));
  push(rec.at(T0 + 2000).withdraw(other, P, { rib: 'adj-in-post' }));
  assert.equal(d.inspect('127.0.0.1', other.address, 'ipv4-unicast', P)?.penalty, 1000);
});

void test('profiles come from the inventory peer, else the router; `none` and a null default model nothing', () => {
  const inv = parseInventory(`routers:
  - name: leaf1
    sysName: leaf1
    role: leaf
    dampening: juniper
    peers:
      - { address: 127.0.10.2, dampening: rfc7196 }
`);
  const rec = new Rec();
  const d = new DampeningDetector(inv, { defaultProfile: null });
  const n3: PeerSpec = { address: '127.0.10.4', asn: 64512 };
  feed(d, [rec.routerUp(), rec.routerInit('leaf1'), rec.announce(NODE1, P, { dump: true }), rec.announce(n3, P, { dump: true })]);
  feed(d, [rec.advance(1).withdraw(NODE1, P), rec.withdraw(n3, P)]);
  assert.equal(d.inspect('127.0.0.1', NODE1.address, 'ipv4-unicast', P)?.params.profile, 'rfc7196');
  assert.equal(d.inspect('127.0.0.1', n3.address, 'ipv4-unicast', P)?.params.profile, 'juniper');
  // `dampening: none` on a peer: not modelled, whatever the default.
  const off = new DampeningDetector(parseInventory(`routers:
  - name: leaf1
    sysName: leaf1
    role: leaf
    peers:
      - { address: 127.0.10.2, dampening: none }
`));
  const rec3 = new Rec();
  feed(off, [rec3.routerUp(), rec3.routerInit('leaf1'), rec3.announce(NODE1, P, { dump: true }), rec3.advance(1).withdraw(NODE1, P)]);
  assert.equal(off.inspect('127.0.0.1', NODE1.address, 'ipv4-unicast', P), undefined);
  const bare = new DampeningDetector(undefined, { defaultProfile: null });
  feed(bare, [rec.announce(NODE1, P, { dump: true }), rec.advance(1).withdraw(NODE1, P)]);
  assert.equal(bare.inspect('127.0.0.1', NODE1.address, 'ipv4-unicast', P), undefined);
});

void test('state is bounded: the LRU cap evicts the oldest paths', () => {
  const rec = new Rec();
  const d = new DampeningDetector(undefined, { maxKeys: 100 });
  for (let i = 0; i < 300; i++) d.onRecord(rec.announce(NODE1, `10.1.${i}.0/24`, { dump: true }));
  assert.equal(d.stateSize(), 100);
  assert.equal(d.evicted, 200);
  assert.equal(d.inspect('127.0.0.1', NODE1.address, 'ipv4-unicast', '10.1.0.0/24'), undefined);
  assert.ok(d.inspect('127.0.0.1', NODE1.address, 'ipv4-unicast', '10.1.299.0/24'));
});

void test('Peer Down adds no penalty by default; with peerDownPenalty it withdraws every announced path', () => {
  const quiet = setup('cisco');
  quiet.push(quiet.rec.at(T0 + 1000).peerDown(NODE1, { reason: 4 }));
  assert.equal(quiet.pen()?.penalty, 0);
  const strict = setup('cisco', NODE1, { peerDownPenalty: true });
  strict.push(strict.rec.at(T0 + 1000).peerDown(NODE1, { reason: 4 }));
  assert.equal(strict.pen()?.penalty, 1000);
  // The duplicate Peer Down (never up) and the re-dump add nothing more.
  strict.push(strict.rec.at(T0 + 2000).peerDown(NODE1, { reason: 2, wasUp: false }));
  strict.push(strict.rec.at(T0 + 3000).peerUp(NODE1));
  strict.push(strict.rec.at(T0 + 3000).announce(NODE1, P, { dump: true }));
  close(strict.pen(3000)?.penalty ?? NaN, 1000 * 2 ** (-2000 / H), 1e-9);
  assert.equal(strict.pen()?.flaps, 1);
});
