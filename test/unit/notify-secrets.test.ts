/**
 * Secrets stay secret: the Slack webhook URL (its path is the credential), the bot token and the
 * webhook secret never appear in a log line, whatever goes wrong (5xx until given up, 4xx,
 * connection refused), and the notify logger redacts them even when handed a config object.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../telemetry/log.js';
import { AlertManager } from '../../analyzer/alerts/manager.js';
import { DEFAULT_DELIVERY, optionsFromConfig } from '../../analyzer/alerts/options.js';
import { channelLogger } from '../../analyzer/notify/queue.js';
import { createNotifiers } from '../../analyzer/notify/index.js';
import { FakeClock, atRouter, observation } from './alerts-helpers.js';
import { Receiver } from './notify-receiver.js';

const receivers: Receiver[] = [];
after(async () => {
  for (const r of receivers) await r.close();
});

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { log: createLogger({ level: 'debug', destination }), text: () => lines.join('') };
}

const SLACK_PATH = '/services/T0SECRET/B0SECRET/hunter2hunter2hunter2';
const TOKEN = 'xoxb-1111-2222-supersecrettoken';
const SECRET = 'webhook-hmac-key-do-not-log';

void test('no URL, token or secret in any log line, through failures of every kind', async () => {
  const failing = await new Receiver().start();
  receivers.push(failing);
  failing.fallback = (r) => (r.path.includes('chat.') ? { status: 200, body: '{"ok":false,"error":"invalid_auth"}' } : r.path.startsWith('/services') ? { status: 500, body: 'rollup_error' } : { status: 403, body: 'forbidden' });
  const refused = await new Receiver().start();
  const refusedUrl = refused.url;
  await refused.close();
  const { log, text } = capture();
  const env = {
    RIBWATCH_SLACK_WEBHOOK_URL: `${failing.url}${SLACK_PATH}`,
    RIBWATCH_SLACK_BOT_TOKEN: TOKEN,
    RIBWATCH_WEBHOOK_URL: `${refusedUrl}/hook?token=${SECRET}`,
    RIBWATCH_WEBHOOK_SECRET: SECRET,
  };
  const base = optionsFromConfig({}, env);
  const o = {
    ...base,
    slack: { ...base.slack, channel: 'C1', apiUrl: `${failing.url}/api`, messagesPerSecond: 1000, burst: 1000 },
    webhook: { ...base.webhook, messagesPerSecond: 1000, burst: 1000 },
    delivery: { ...DEFAULT_DELIVERY, maxAttempts: 2, retryBaseMs: 10, retryMaxMs: 20 },
  };
  const notifiers = createNotifiers(o, { log });
  assert.deepEqual(notifiers.map((n) => n.name).sort(), ['slack-api', 'slack-webhook', 'webhook']);
  const clock = new FakeClock();
  const mgr = new AlertManager({ options: { squashSeconds: 0 }, notifiers, now: clock.now, timers: false, log });
  mgr.observe(observation(clock, atRouter('leaf1')));
  mgr.tick();
  await Promise.all(notifiers.map((n) => n.drain(5000)));
  // Even a careless line with the whole options object.
  channelLogger(log, 'test')?.info({ slack: o.slack, webhook: o.webhook }, 'options');
  await mgr.stop(100);
  await new Promise((r) => setTimeout(r, 100)); // pino's async destination
  const out = text();
  assert.match(out, /notification given up after 2 attempts/);
  assert.match(out, /notification rejected/);
  assert.match(out, /ECONNREFUSED/);
  assert.match(out, /\[redacted\]/);
  for (const secret of [SLACK_PATH, 'hunter2', TOKEN, 'supersecrettoken', SECRET, 'T0SECRET']) assert.ok(!out.includes(secret), `${secret} leaked into the logs`);
});
