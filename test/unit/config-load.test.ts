/**
 * The configuration file, its schema and the RIBWATCH_* environment: defaults, overrides, and
 * errors that name the file (or variable) and the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configEntries, envName } from '../../config/config.js';
import { ConfigError, loadConfig } from '../../config/load.js';
import { renderConfigReference, renderExampleConfig } from '../../config/render.js';
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

void test('booleans: true/false in YAML; true/1/yes and false/0/no in the environment; an empty variable is an error, not false', () => {
  assert.equal(loadConfig({ env: { RIBWATCH_API_METRICS_TOKEN: 'YES' } }).config.api.metricsToken, true);
  assert.equal(loadConfig({ env: { RIBWATCH_API_METRICS_TOKEN: ' 0 ' } }).config.api.metricsToken, false);
  assert.equal(loadConfig({ env: { RIBWATCH_ALERTS_REMIND: 'no' } }).config.alerts.remind, false);
  // The same kind everywhere: the alerting sections used to refuse "" where the rest took it as false.
  for (const [name, path] of [
    ['RIBWATCH_API_METRICS_TOKEN', 'api.metricsToken'],
    ['RIBWATCH_ALERTS_REMIND', 'alerts.remind'],
  ] as const) {
    assert.deepEqual(problems(() => loadConfig({ env: { [name]: '' } })), [`environment ${name}: ${path}: expected true or false, got ""`]);
  }
  assert.deepEqual(problems(() => loadConfig({ file: 'c.yaml', text: 'alerts:\n  remind: "yes"\n' })), ['c.yaml: alerts.remind: expected true or false, got "yes" (line 2)']);
});

void test('renamed keys keep working under their old names, from the file, the environment and the command line, with a warning naming the new one', () => {
  const fromFile = loadConfig({ file: 'c.yaml', text: 'analyzer:\n  rfd:\n    defaultProfile: juniper\n  flap:\n    warning: 3\n' });
  assert.equal(fromFile.config.analyzer.dampening.defaultProfile, 'juniper');
  assert.equal(fromFile.config.analyzer.prefixFlap.warning, 3);
  assert.deepEqual(fromFile.warnings, ['c.yaml: analyzer.rfd is deprecated, use analyzer.dampening (line 2)', 'c.yaml: analyzer.flap is deprecated, use analyzer.prefixFlap (line 4)']);

  const fromEnv = loadConfig({ env: { RIBWATCH_ANALYZER_RFD_VIEWS: 'loc-rib', RIBWATCH_ANALYZER_FLAP_CRITICAL: '40' } });
  assert.deepEqual(fromEnv.config.analyzer.dampening.views, ['loc-rib']);
  assert.equal(fromEnv.config.analyzer.prefixFlap.critical, 40);
  assert.deepEqual([...fromEnv.warnings].sort(), [
    'environment RIBWATCH_ANALYZER_FLAP_CRITICAL is deprecated, use RIBWATCH_ANALYZER_PREFIX_FLAP_CRITICAL (analyzer.prefixFlap.critical)',
    'environment RIBWATCH_ANALYZER_RFD_VIEWS is deprecated, use RIBWATCH_ANALYZER_DAMPENING_VIEWS (analyzer.dampening.views)',
  ]);
  // Both names set: the current one wins, whatever the order of the environment.
  const both = loadConfig({ env: { RIBWATCH_ANALYZER_DAMPENING_DEFAULT_PROFILE: 'frr', RIBWATCH_ANALYZER_RFD_DEFAULT_PROFILE: 'cisco' } });
  assert.equal(both.config.analyzer.dampening.defaultProfile, 'frr');

  const fromFlag = loadConfig({ overrides: { 'analyzer.rfd.defaultProfile': 'rfc7196' } });
  assert.equal(fromFlag.config.analyzer.dampening.defaultProfile, 'rfc7196');
  assert.deepEqual(fromFlag.warnings, ['command line: analyzer.rfd.defaultProfile is deprecated, use analyzer.dampening.defaultProfile']);
  // A key that never existed is still an error under either name.
  assert.deepEqual(problems(() => loadConfig({ file: 'c.yaml', text: 'analyzer:\n  rfd:\n    profile: x\n' })), ['c.yaml: analyzer.dampening.profile: unknown key (known here: views, defaultProfile) (line 3)']);
});

void test('renamed list values keep working: rfd in analyzer.detectors is the dampening detector, with a warning', () => {
  const fromFile = loadConfig({ file: 'c.yaml', text: 'analyzer:\n  detectors: [prefix-flap, rfd]\n' });
  assert.deepEqual(fromFile.config.analyzer.detectors, ['prefix-flap', 'dampening']);
  assert.deepEqual(fromFile.warnings, ['c.yaml: analyzer.detectors: "rfd" is deprecated, use "dampening"']);
  const fromEnv = loadConfig({ env: { RIBWATCH_ANALYZER_DETECTORS: 'rfd, leaks' } });
  assert.deepEqual(fromEnv.config.analyzer.detectors, ['dampening', 'leaks']);
  assert.deepEqual(fromEnv.warnings, ['environment RIBWATCH_ANALYZER_DETECTORS: analyzer.detectors: "rfd" is deprecated, use "dampening"']);
  assert.deepEqual(loadConfig({ env: { RIBWATCH_ANALYZER_DETECTORS: 'dampening' } }).warnings, []);
  assert.deepEqual(problems(() => loadConfig({ env: { RIBWATCH_ANALYZER_DETECTORS: 'rdf' } })).length, 1);
});
