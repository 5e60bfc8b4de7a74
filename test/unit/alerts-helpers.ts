/**
 * Test doubles for the alert lifecycle: a fake clock, observations with defaults, and a fake
 * notification channel that records what it was asked to send and answers at once (or holds).
 */
import type { NotifyEvent } from '../../analyzer/alert.js';
import type { Delivery, DeliveryOutcome, Notifier } from '../../analyzer/notify/types.js';
import type { AlertSubject, Observation } from '../../analyzer/types.js';

export const T0 = Date.parse('2026-11-21T10:00:00.000Z');

export class FakeClock {
  t = T0;
  now = (): number => this.t;
  advance(seconds: number): number {
    this.t += seconds * 1000;
    return this.t;
  }
}

export function observation(clock: FakeClock, subject: AlertSubject, p: Partial<Observation> = {}): Observation {
  return {
    kind: 'pod-cidr-leak',
    severity: 'warning',
    subject,
    summary: `${subject.prefix ?? 'prefix'} leaked`,
    facts: { origin_as: 64512 },
    nextStep: 'check the node export policy',
    at: new Date(clock.t).toISOString(),
    active: true,
    detector: 'leaks',
    ...p,
  };
}

export const LEAK = { cluster: 'prod', node: 'node1', prefix: '10.244.1.0/24' } as const;
export const atRouter = (router: string, extra: AlertSubject = {}): AlertSubject => ({ ...LEAK, router, ...extra });

export class FakeNotifier implements Notifier {
  readonly sent: Delivery[] = [];
  readonly held: { d: Delivery; done: (o: DeliveryOutcome) => void }[] = [];
  /** answer: 'ok' at once, 'hold' until release(), or a failure reason. */
  answer: 'ok' | 'hold' | 'gave-up' = 'ok';
  private n = 0;

  constructor(
    readonly name = 'fake',
    readonly events: readonly NotifyEvent[] = ['open', 'update', 'escalate', 'acknowledge', 'resolve', 'reminder'],
  ) {}

  wants(e: NotifyEvent): boolean {
    return this.events.includes(e);
  }

  send(d: Delivery, done: (o: DeliveryOutcome) => void): void {
    this.sent.push(d);
    if (this.answer === 'hold') this.held.push({ d, done });
    else if (this.answer === 'ok') done({ ok: true, ref: d.ref ?? `ts-${++this.n}`, refChannel: 'C1' });
    else done({ ok: false, reason: this.answer, error: 'fake failure' });
  }

  release(): void {
    for (const h of this.held.splice(0)) h.done({ ok: true, ref: h.d.ref ?? `ts-${++this.n}` });
  }

  events_(): string[] {
    return this.sent.map((d) => d.event);
  }

  drain(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
