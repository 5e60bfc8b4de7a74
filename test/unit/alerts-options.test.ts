/**
 * The alerting configuration fragment: its keys and environment names (the four secrets are
 * exactly RIBWATCH_SLACK_WEBHOOK_URL, RIBWATCH_SLACK_BOT_TOKEN, RIBWATCH_WEBHOOK_URL,
 * RIBWATCH_WEBHOOK_SECRET), value checking, and options built from it with the environment as
 * a fallback for the secrets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configEntries } from '../../config/config.js';
import { DEFAULT_ALERTS_OPTIONS, alertsConfigSchema, optionsFromConfig } from '../../analyzer/alerts/options.js';
import type { AlertsConfig } from '../../analyzer/alerts/options.js';
import { startAlerting } from '../../analyzer/alerts/run.js';

function defaults(): AlertsConfig {
  const out: Record<string, Record<string, unknown>> = {};
  for (const e of configEntries(alertsConfigSchema)) {
    const [section = '', key = ''] = e.path.split('.');
    (out[section] ??= {})[key] = e.key.defaultValue;
  }
  return out as unknown as AlertsConfig;
}

void test('the fragment names the secrets with the environment variables on-call expects', () => {
  const env = new Map(configEntries(alertsConfigSchema).map((e) => [e.path, e.env]));
  assert.equal(env.get('slack.webhookUrl'), 'RIBWATCH_SLACK_WEBHOOK_URL');
  assert.equal(env.get('slack.botToken'), 'RIBWATCH_SLACK_BOT_TOKEN');
  assert.equal(env.get('webhook.url'), 'RIBWATCH_WEBHOOK_URL');
  assert.equal(env.get('webhook.secret'), 'RIBWATCH_WEBHOOK_SECRET');
  assert.equal(env.get('alerts.squashSeconds'), 'RIBWATCH_ALERTS_SQUASH_SECONDS');
  for (const e of configEntries(alertsConfigSchema)) assert.ok(e.key.description.length > 10, `${e.path} is described`);
});

void test('defaults of the fragment are the defaults of the options', () => {
  const o = optionsFromConfig(defaults());
  assert.deepEqual(o, DEFAULT_ALERTS_OPTIONS);
  assert.deepEqual(optionsFromConfig(), DEFAULT_ALERTS_OPTIONS);
});

void test('values are checked as YAML and as environment text', () => {
  const k = alertsConfigSchema.alerts;
  assert.deepEqual(k.squashSeconds.kind.fromText('45'), { ok: true, value: 45 });
  assert.equal(k.squashSeconds.kind.fromText('-1').ok, false);
  assert.deepEqual(k.remind.kind.fromText('false'), { ok: true, value: false });
  assert.equal(alertsConfigSchema.slack.webhookUrl.kind.fromYaml('not a url').ok, false);
  assert.deepEqual(alertsConfigSchema.slack.webhookUrl.kind.fromYaml(''), { ok: true, value: '' });
  assert.deepEqual(alertsConfigSchema.slack.messagesPerSecond.kind.fromText('0.5'), { ok: true, value: 0.5 });
  const s = k.silences.kind.fromYaml([{ matchers: { router: 'leaf1' }, startsAt: '2026-11-21T22:00:00Z', endsAt: '2026-11-21T23:00:00Z', reason: 'upgrade' }]);
  assert.equal(s.ok, true);
  const bad = k.silences.kind.fromYaml([{ matchers: { router: 'leaf1' }, endsAt: 'tomorrow', reason: 'upgrade' }]);
  assert.ok(!bad.ok && /item 1: endsAt/.test(bad.expected));
  const env = k.silences.kind.fromText('[{"matchers":{"kind":"session-flap"},"endsAt":"2026-11-22T00:00:00Z","reason":"fw upgrade"}]');
  assert.ok(env.ok && env.value.length === 1);
});

void test('secrets come from the configuration, else from the RIBWATCH_* environment', () => {
  const env = {
    RIBWATCH_SLACK_WEBHOOK_URL: 'https://hooks.slack.example/services/T/B/secretpath',
    RIBWATCH_SLACK_BOT_TOKEN: 'xoxb-from-env',
    RIBWATCH_WEBHOOK_URL: 'https://receiver.example/hook',
    RIBWATCH_WEBHOOK_SECRET: 's3cret',
  };
  const fromEnv = optionsFromConfig({}, env);
  assert.equal(fromEnv.slack.webhookUrl, env.RIBWATCH_SLACK_WEBHOOK_URL);
  assert.equal(fromEnv.slack.botToken, 'xoxb-from-env');
  assert.equal(fromEnv.webhook.url, 'https://receiver.example/hook');
  assert.equal(fromEnv.webhook.secret, 's3cret');
  const c = defaults();
  const fromConfig = optionsFromConfig({ ...c, slack: { ...c.slack, botToken: 'xoxb-from-config', channel: 'C0123' }, alerts: { ...c.alerts, squashSeconds: 5, maxAttempts: 3 } }, env);
  assert.equal(fromConfig.slack.botToken, 'xoxb-from-config');
  assert.equal(fromConfig.slack.channel, 'C0123');
  assert.equal(fromConfig.squashSeconds, 5);
  assert.equal(fromConfig.delivery.maxAttempts, 3);
});

void test('startAlerting wires options, channels and the lifecycle from configuration and environment', async () => {
  const c = defaults();
  const alerting = await startAlerting({ ...c, alerts: { ...c.alerts, squashSeconds: 7 } }, { env: { RIBWATCH_WEBHOOK_URL: 'http://127.0.0.1:9/hook' } });
  assert.equal(alerting.options.squashSeconds, 7);
  assert.deepEqual(alerting.notifiers.map((n) => n.name), ['webhook']);
  assert.deepEqual(alerting.manager.list(), []);
  await alerting.stop(10);
});
