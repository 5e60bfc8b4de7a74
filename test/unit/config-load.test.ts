/**
 * The configuration file, its schema and the RIBWATCH_* environment: defaults, overrides, and
 * errors that name the file (or variable) and the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configEntries, envName, loadConfig, renderConfigReference, renderExampleConfig } from '../../config/config.js';
import { cidrContains } from '../../net/addresses.js';

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  assert.fail('expected a ConfigError');
}

void test('without a file every key has its documented default', () => {
  const { config } = loadConfig();
  assert.deepEqual(config.collector.listen, { host: '127.0.0.1', port: 11019 });
  assert.equal(config.collector.maxSessions, 64);
  assert.equal(config.collector.maxMessageBytes, 16 * 1024 * 1024);
  assert.equal(config.collector.tcpKeepaliveSeconds, 60);
  assert.equal(config.collector.dumpQuietSeconds, 10);
  assert.deepEqual(config.collector.metricsListen, { host: '127.0.0.1', port: 9108 });
  assert.deepEqual(config.collector.allow.map((c) => c.text), ['127.0.0.0/8', '::1/128']);
  assert.equal(config.output.ndjson, '-');
  assert.equal(config.log.level, 'info');
});

void test('a file sets keys; IPv6 listen addresses, sizes with units and "" to disable are understood', () => {
  const { config } = loadConfig({
    file: 'config.yaml',
    text: ['collector:', '  listen: "[::1]:11020"', '  maxMessageBytes: 1MiB', '  metricsListen: ""', '  allow: [10.0.0.0/8, "2001:db8::/32"]', 'log:', '  level: debug', ''].join('\n'),
  });
  assert.deepEqual(config.collector.listen, { host: '::1', port: 11020 });
  assert.equal(config.collector.maxMessageBytes, 1024 * 1024);
  assert.equal(config.collector.metricsListen, null);
  assert.equal(config.collector.allow.length, 2);
  assert.ok(cidrContains(config.collector.allow[1]!, '2001:db8::7'));
  assert.equal(config.log.level, 'debug');
  assert.equal(config.collector.maxSessions, 64, 'unset keys keep their defaults');
});

void test('a bad value names the file, the key, what was expected and what was found', () => {
  const p = problems(() => loadConfig({ file: '/etc/ribwatch/config.yaml', text: 'collector:\n  maxSessions: x\n' }));
  assert.equal(p.length, 1);
  assert.match(p[0]!, /^config\.yaml: collector\.maxSessions: expected a positive integer, got "x" \(line 2\)$/);
});

void test('unknown keys are errors, with the known keys of that section listed', () => {
  const p = problems(() => loadConfig({ file: 'config.yaml', text: 'collector:\n  maxSesions: 3\nbogus: 1\n' }));
  assert.equal(p.length, 2);
  assert.match(p[0]!, /^config\.yaml: collector\.maxSesions: unknown key \(known here: .*maxSessions/);
  assert.match(p[1]!, /^config\.yaml: bogus: unknown key/);
});

void test('every problem is reported at once', () => {
  const p = problems(() => loadConfig({ file: 'c.yaml', text: 'collector:\n  listen: localhost\n  allow: [300.0.0.0/8]\n  tcpKeepaliveSeconds: -1\n' }));
  assert.equal(p.length, 3);
  assert.match(p[0]!, /collector\.listen: expected HOST:PORT/);
  assert.match(p[1]!, /collector\.allow: expected a list of CIDRs/);
  assert.match(p[2]!, /collector\.tcpKeepaliveSeconds: expected an integer from 0 to 7200, got -1/);
});

void test('YAML syntax errors name the file and line', () => {
  const p = problems(() => loadConfig({ file: 'c.yaml', text: 'collector:\n  listen: [unclosed\n' }));
  assert.match(p[0]!, /^c\.yaml:\d+:\d+: /);
});

void test('environment variables override the file, named RIBWATCH_ + the key path in upper snake case', () => {
  assert.equal(envName('collector.maxSessions'), 'RIBWATCH_COLLECTOR_MAX_SESSIONS');
  assert.equal(envName('collector.listen'), 'RIBWATCH_COLLECTOR_LISTEN');
  const { config, warnings } = loadConfig({
    file: 'config.yaml',
    text: 'collector:\n  maxSessions: 5\n',
    env: { RIBWATCH_COLLECTOR_MAX_SESSIONS: '7', RIBWATCH_COLLECTOR_ALLOW: '10.0.0.0/8, 192.168.0.0/16', RIBWATCH_COLECTOR_LISTEN: 'typo', PATH: '/bin' },
  });
  assert.equal(config.collector.maxSessions, 7);
  assert.deepEqual(config.collector.allow.map((c) => c.text), ['10.0.0.0/8', '192.168.0.0/16']);
  assert.deepEqual(warnings, ['RIBWATCH_COLECTOR_LISTEN: not a configuration key (ignored)']);
});

void test('a bad environment value names the variable and the key', () => {
  const p = problems(() => loadConfig({ env: { RIBWATCH_COLLECTOR_MAX_SESSIONS: 'lots' } }));
  assert.deepEqual(p, ['environment RIBWATCH_COLLECTOR_MAX_SESSIONS: collector.maxSessions: expected a positive integer, got "lots"']);
});

void test('command-line overrides win over the environment', () => {
  const { config } = loadConfig({ env: { RIBWATCH_COLLECTOR_LISTEN: '127.0.0.1:1' }, overrides: { 'collector.listen': '0.0.0.0:11019' } });
  assert.deepEqual(config.collector.listen, { host: '0.0.0.0', port: 11019 });
});

void test('a real file on disk is read, and a missing one is a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ribwatch-config-'));
  const file = join(dir, 'ribwatch.yaml');
  writeFileSync(file, 'output:\n  ndjson: /tmp/records.ndjson\n');
  assert.equal(loadConfig({ file }).config.output.ndjson, '/tmp/records.ndjson');
  const p = problems(() => loadConfig({ file: join(dir, 'missing.yaml') }));
  assert.match(p[0]!, /missing\.yaml: cannot read/);
});

void test('every key has an environment name and a description; the example file and the docs match the schema', () => {
  for (const e of configEntries()) {
    assert.match(e.env, /^RIBWATCH_[A-Z0-9_]+$/);
    assert.ok(e.key.description.length > 20, `${e.path} needs a description`);
  }
  const root = new URL('../../../', import.meta.url);
  const example = readFileSync(new URL('deploy/ribwatch.example.yaml', root), 'utf8');
  assert.equal(example, renderExampleConfig(), 'deploy/ribwatch.example.yaml is stale: regenerate it (docs/configuration.md says how)');
  const { config } = loadConfig({ file: 'ribwatch.example.yaml', text: example });
  assert.deepEqual(config, loadConfig().config, 'the example loads and equals the defaults');
  const docs = readFileSync(new URL('docs/configuration.md', root), 'utf8');
  assert.ok(docs.includes(renderConfigReference()), 'docs/configuration.md reference table is stale: regenerate it');
});
