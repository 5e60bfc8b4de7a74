/**
 * A notification channel's delivery machinery, the same for every channel: a bounded FIFO, one
 * worker sending one message at a time (so a Slack thread reply never overtakes its root message),
 * a token bucket (messages per second + burst), and retries with exponential backoff and jitter
 * that honour a 429's (or 503's) Retry-After and retry 5xx and network errors, up to maxAttempts.
 *
 * Never blocking the analyzer: send() only appends; when the queue is full the OLDEST waiting
 * message is dropped (a metric and a log line; the lifecycle hears "dropped" and notifies again on
 * the alert's next change). During an outage the queue fills and stays at its bound.
 */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from '../../telemetry/log.js';
import type { NotifyEvent } from '../alert.js';
import type { ChannelThrottle, DeliveryOptions } from './options.js';
import { DeliveryError } from './http.js';
import type { Delivery, DeliveryOutcome, Notifier } from './types.js';

/** What a channel does with one message: deliver it or throw (DeliveryError says whether to retry). */
export interface Transport {
  readonly name: string;
  readonly events: readonly NotifyEvent[];
  deliver(d: Delivery): Promise<{ ref?: string; refChannel?: string } | undefined>;
}

/** Secrets never reach a log line, whatever a caller binds to the logger. */
export const NOTIFY_REDACT = ['url', 'webhookUrl', 'botToken', 'token', 'secret', 'authorization', 'headers.authorization', 'headers.Authorization']
  .flatMap((k) => [k, `*.${k}`]);

export function channelLogger(log: Logger | undefined, channel: string): Logger | undefined {
  return log?.child({ channel }, { redact: { paths: NOTIFY_REDACT, censor: '[redacted]' } });
}

interface NotifyMetrics {
  depth: Gauge<'channel'>;
  dropped: Counter<'channel'>;
  attempts: Counter<'channel' | 'result'>;
}

const metricsByRegistry = new WeakMap<Registry, NotifyMetrics>();

function notifyMetrics(registry: Registry): NotifyMetrics {
  let m = metricsByRegistry.get(registry);
  if (!m) {
    const registers = [registry];
    m = {
      depth: new Gauge({ name: 'ribwatch_notify_queue_depth', help: 'Notifications waiting per channel.', labelNames: ['channel'], registers }),
      dropped: new Counter({ name: 'ribwatch_notify_dropped_total', help: 'Notifications dropped because the channel queue was full (oldest first).', labelNames: ['channel'], registers }),
      attempts: new Counter({
        name: 'ribwatch_notify_attempts_total',
        help: 'Delivery attempts per channel by result: ok, retry (will try again), rejected (4xx, final), gave-up (attempts exhausted).',
        labelNames: ['channel', 'result'],
        registers,
      }),
    };
    metricsByRegistry.set(registry, m);
  }
  return m;
}

export interface QueueOptions {
  readonly throttle: ChannelThrottle;
  readonly delivery: DeliveryOptions;
  readonly log?: Logger;
  readonly registry?: Registry;
  /** [0, 1); tests make jitter deterministic. */
  readonly random?: () => number;
}

interface Item {
  readonly d: Delivery;
  readonly done: (o: DeliveryOutcome) => void;
}

export class QueuedNotifier implements Notifier {
  readonly name: string;
  private readonly queue: Item[] = [];
  private running = false;
  private closed = false;
  private tokens: number;
  private lastRefill = Date.now();
  private readonly sleeps = new Set<() => void>();
  private readonly idle = new Set<() => void>();
  private readonly log: Logger | undefined;
  private readonly m: NotifyMetrics | undefined;
  private readonly random: () => number;
  private droppedSinceLog = 0;
  private lastDropLog = 0;
  /** Counters for tests and `ribwatch status`. */
  readonly stats = { sent: 0, retries: 0, rejected: 0, gaveUp: 0, dropped: 0 };

  constructor(
    private readonly transport: Transport,
    private readonly o: QueueOptions,
  ) {
    this.name = transport.name;
    this.tokens = o.throttle.burst;
    this.log = channelLogger(o.log, transport.name);
    this.m = o.registry ? notifyMetrics(o.registry) : undefined;
    this.random = o.random ?? Math.random;
  }

  wants(event: NotifyEvent): boolean {
    return this.transport.events.includes(event);
  }

  /** Messages waiting (not counting the one being sent). */
  get depth(): number {
    return this.queue.length;
  }

  send(d: Delivery, done: (o: DeliveryOutcome) => void): void {
    if (this.closed) {
      done({ ok: false, reason: 'closed', error: 'channel closed' });
      return;
    }
    if (this.queue.length >= this.o.delivery.queueSize) {
      const old = this.queue.shift();
      this.stats.dropped++;
      this.m?.dropped.inc({ channel: this.name });
      this.droppedSinceLog++;
      const now = Date.now();
      if (now - this.lastDropLog >= 10_000) {
        this.log?.warn({ dropped: this.droppedSinceLog, queue_size: this.o.delivery.queueSize }, 'notification queue full: oldest notifications dropped');
        this.lastDropLog = now;
        this.droppedSinceLog = 0;
      }
      old?.done({ ok: false, reason: 'dropped', error: 'queue full' });
    }
    this.queue.push({ d, done });
    this.m?.depth.set({ channel: this.name }, this.queue.length);
    if (!this.running) void this.run();
  }

  drain(ms: number): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.idle.delete(finish);
        resolve();
      }, ms);
      const finish = (): void => {
        clearTimeout(t);
        resolve();
      };
      this.idle.add(finish);
    });
  }

  close(): Promise<void> {
    this.closed = true;
    for (const wake of this.sleeps) wake();
    this.sleeps.clear();
    for (const it of this.queue.splice(0)) it.done({ ok: false, reason: 'closed', error: 'channel closed' });
    this.m?.depth.set({ channel: this.name }, 0);
    return this.drain(10_000);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (;;) {
        const it = this.queue.shift();
        if (!it) break;
        this.m?.depth.set({ channel: this.name }, this.queue.length);
        let out: DeliveryOutcome;
        try {
          await this.takeToken();
          out = this.closed ? { ok: false, reason: 'closed', error: 'channel closed' } : await this.attempt(it.d);
        } catch (e) {
          out = { ok: false, reason: 'gave-up', error: (e as Error).message };
        }
        try {
          it.done(out);
        } catch (e) {
          this.log?.error({ err: (e as Error).message }, 'notification outcome handler failed');
        }
      }
    } finally {
      this.running = false;
      for (const f of this.idle) f();
      this.idle.clear();
    }
  }

  private async attempt(d: Delivery): Promise<DeliveryOutcome> {
    const { maxAttempts, retryBaseMs, retryMaxMs, maxRetryAfterMs } = this.o.delivery;
    for (let n = 1; ; n++) {
      try {
        const r = await this.transport.deliver(d);
        this.stats.sent++;
        this.m?.attempts.inc({ channel: this.name, result: 'ok' });
        return { ok: true, ...r };
      } catch (e) {
        const err = e instanceof DeliveryError ? e : new DeliveryError((e as Error).message, true);
        const ctx = { alert: d.alert.id, event: d.event, attempt: n, status: err.status, err: err.message };
        if (!err.retriable) {
          this.stats.rejected++;
          this.m?.attempts.inc({ channel: this.name, result: 'rejected' });
          this.log?.error(ctx, 'notification rejected by the receiver (not retried): check the channel configuration');
          return { ok: false, reason: 'rejected', error: err.message };
        }
        if (n >= maxAttempts || this.closed) {
          this.stats.gaveUp++;
          this.m?.attempts.inc({ channel: this.name, result: 'gave-up' });
          this.log?.error(ctx, `notification given up after ${n} attempts`);
          return { ok: false, reason: this.closed ? 'closed' : 'gave-up', error: err.message };
        }
        const wait = err.retryAfterMs !== undefined ? Math.min(err.retryAfterMs, maxRetryAfterMs) : backoffMs(n, retryBaseMs, retryMaxMs, this.random);
        this.stats.retries++;
        this.m?.attempts.inc({ channel: this.name, result: 'retry' });
        this.log?.warn({ ...ctx, retry_in_ms: Math.round(wait) }, 'notification failed; retrying');
        await this.sleep(wait);
        if (this.closed) return { ok: false, reason: 'closed', error: 'channel closed' };
      }
    }
  }

  private async takeToken(): Promise<void> {
    const { messagesPerSecond: rate, burst } = this.o.throttle;
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(burst, this.tokens + ((now - this.lastRefill) / 1000) * rate);
      this.lastRefill = now;
      if (this.tokens >= 1 || this.closed) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(((1 - this.tokens) / rate) * 1000);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.sleeps.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, Math.max(0, ms));
      this.sleeps.add(wake);
    });
  }
}

/** Attempt n failed (n ≥ 1): wait base·2^(n-1), capped, with "equal jitter" (half fixed, half random). */
export function backoffMs(n: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(n - 1, 30));
  return cap / 2 + random() * (cap / 2);
}
