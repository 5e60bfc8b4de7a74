/**
 * From configuration to role options (bin/setup): Kafka SASL/TLS, the store (embedded or server,
 * PEM files, refusals that name the key), the writer's units; and the start-up probes' one-line
 * messages for a closed Kafka port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/config.js';
import { connectKafka, kafkaOptions } from '../../bin/setup/bus.js';
import { StartupError } from '../../lifecycle/startup.js';
import { embeddedHolder, storeOptions } from '../../bin/setup/store.js';
import { writerOptions } from '../../writer/options.js';

const dir = mkdtempSync(join(tmpdir(), 'ribwatch-wiring-'));
const pem = (name: string, text: string): string => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

function config(env: Record<string, string>): Config {
  return loadConfig({ env }).config;
}

function refusal(f: () => unknown): StartupError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof StartupError, String(e));
    return e;
  }
  assert.fail('expected a StartupError');
}

void test('kafka options: brokers, topic, partitions, SASL and TLS from bus.*', () => {
  const ca = pem('ca.pem', 'CA PEM');
  const c = config({
    RIBWATCH_BUS_KIND: 'kafka',
    RIBWATCH_BUS_BROKERS: '10.0.0.5:9092,[2001:db8::5]:9092',
    RIBWATCH_BUS_PARTITIONS: '12',
    RIBWATCH_BUS_SASL_MECHANISM: 'scram-sha-512',
    RIBWATCH_BUS_SASL_USERNAME: 'ribwatch',
    RIBWATCH_BUS_SASL_PASSWORD: 'pw',
    RIBWATCH_BUS_TLS_CA: ca,
  });
  const o = kafkaOptions(c.bus);
  assert.deepEqual(o.brokers, ['10.0.0.5:9092', '[2001:db8::5]:9092']);
  assert.equal(o.topic, 'ribwatch.records');
  assert.equal(o.partitions, 12);
  assert.equal(o.replicationFactor, -1);
  assert.deepEqual(o.sasl, { mechanism: 'scram-sha-512', username: 'ribwatch', password: 'pw' });
  assert.deepEqual(o.tls, { ca: 'CA PEM' });
  assert.equal(o.rawTopic, undefined);

  const plain = kafkaOptions(config({ RIBWATCH_BUS_BROKERS: '127.0.0.1:9092' }).bus);
  assert.equal(plain.tls, undefined);
  assert.equal(plain.sasl, undefined);
  assert.equal(kafkaOptions(config({ RIBWATCH_BUS_BROKERS: '127.0.0.1:9092', RIBWATCH_BUS_TLS_ENABLED: 'true' }).bus).tls, true);
});

void test('kafka options: refusals name the key', () => {
  assert.match(refusal(() => kafkaOptions(config({}).bus)).message, /^bus\.brokers: no Kafka brokers configured/);
  assert.match(refusal(() => kafkaOptions(config({ RIBWATCH_BUS_BROKERS: 'k:9092', RIBWATCH_BUS_SASL_MECHANISM: 'plain' }).bus)).message, /^bus\.sasl\.username: empty/);
  const missing = refusal(() => kafkaOptions(config({ RIBWATCH_BUS_BROKERS: 'k:9092', RIBWATCH_BUS_TLS_CA: join(dir, 'nope.pem') }).bus));
  assert.match(missing.message, /^bus\.tls\.ca: cannot read .*nope\.pem: ENOENT/);
  assert.equal(missing.exitCode, 2);
  const half = refusal(() => kafkaOptions(config({ RIBWATCH_BUS_BROKERS: 'k:9092', RIBWATCH_BUS_TLS_CERT: pem('c.pem', 'C') }).bus));
  assert.match(half.message, /^bus\.tls\.cert and bus\.tls\.key: set both/);
});

void test('store options: embedded by default under ./data; a server with credentials and mutual TLS', () => {
  assert.deepEqual(storeOptions(config({}).store), { kind: 'embedded', dataDir: './data', database: 'ribwatch' });
  const s = storeOptions(
    config({
      RIBWATCH_STORE_KIND: 'server',
      RIBWATCH_STORE_URL: 'https://ch.example:8443',
      RIBWATCH_STORE_USERNAME: 'rw',
      RIBWATCH_STORE_PASSWORD: 'secret',
      RIBWATCH_STORE_TLS_CA: pem('sca.pem', 'SCA'),
      RIBWATCH_STORE_TLS_CERT: pem('scert.pem', 'SCERT'),
      RIBWATCH_STORE_TLS_KEY: pem('skey.pem', 'SKEY'),
    }).store,
  );
  assert.deepEqual(s, { kind: 'server', url: 'https://ch.example:8443', username: 'rw', password: 'secret', database: 'ribwatch', tls: { ca: 'SCA', cert: 'SCERT', key: 'SKEY' } });
});

void test('store options: refusals name the key and never show the password', () => {
  assert.match(refusal(() => storeOptions(config({ RIBWATCH_STORE_KIND: 'server' }).store)).message, /^store\.url: store\.kind is server but no URL is set/);
  const inUrl = refusal(() => storeOptions(config({ RIBWATCH_STORE_KIND: 'server', RIBWATCH_STORE_URL: 'http://u:hunter2@ch:8123' }).store));
  assert.match(inUrl.message, /^store\.url: credentials in the URL are not accepted/);
  assert.doesNotMatch(inUrl.message, /hunter2/);
  assert.match(refusal(() => storeOptions(config({ RIBWATCH_STORE_CLUSTER: 'c1' }).store)).message, /^store\.cluster: only a ClickHouse server has clusters/);
  assert.throws(() => loadConfig({ env: { RIBWATCH_STORE_URL: 'ftp://x' } }), /RIBWATCH_STORE_URL: store\.url: expected an http\(s\):\/\/ URL/);
});

void test('writer options: seconds become milliseconds', () => {
  assert.deepEqual(writerOptions(config({ RIBWATCH_WRITER_RECONCILE_QUIET_SECONDS: '5', RIBWATCH_WRITER_COUNTS_INTERVAL_SECONDS: '0' }).writer), {
    group: 'ribwatch-writer',
    maxRecords: 50_000,
    maxWaitMs: 1000,
    reconcileQuietMs: 5000,
    countsIntervalMs: 0,
  });
});

void test('embeddedHolder: a new directory has no holder', () => {
  assert.equal(embeddedHolder(join(dir, 'fresh')), undefined);
});

void test('connectKafka: a closed port is one line naming the brokers, exit status 1', async () => {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  const opts = kafkaOptions(config({ RIBWATCH_BUS_BROKERS: `127.0.0.1:${port}` }).bus);
  await assert.rejects(connectKafka(opts, 10_000), (e: unknown) => {
    assert.ok(e instanceof StartupError);
    assert.equal(e.exitCode, 1);
    assert.match(e.message, new RegExp(`^kafka: cannot reach brokers 127\\.0\\.0\\.1:${port}: `));
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
});
