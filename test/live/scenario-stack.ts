/**
 * ribwatch's analyzer path composed in-process for scenario tests and the analyzer benchmark:
 * BMP listener (collector) → in-memory bus → its own consumer group → the analyzer pipeline
 * (analyzer/pipeline.ts: every stream detector, periodic tick) → AlertManager → Slack
 * incoming-webhook notifier → a local HTTP server standing in for Slack.
 * The same pieces `ribwatch run` wires, without the CLI, the store or the writer, so a scenario
 * sees exactly what on-call would get. The collector can be stopped and started again on the same
 * address (routers reconnect and re-dump), as a collector restart does.
 */
import { BmpCollector } from '../../collector/collector.js';
import { CollectorMetrics } from '../../collector/metrics.js';
import { MemoryBus } from '../../bus/memory.js';
import type { BusConsumer, BusProducer } from '../../bus/index.js';
import { parseInventory } from '../../inventory/inventory.js';
import type { Inventory } from '../../inventory/inventory.js';
import { createLogger } from '../../telemetry/log.js';
import type { Logger } from '../../telemetry/log.js';
import { createRegistry } from '../../telemetry/metrics.js';
import { parseCidr } from '../../net/addresses.js';
import type { Cidr, HostPort } from '../../net/addresses.js';
import type { BusRecord } from '../../records/types.js';
import type { DetectorSet, DetectorsOptions } from '../../analyzer/detectors/index.js';
import { AnalyzerPipeline } from '../../analyzer/pipeline.js';
import { AlertManager } from '../../analyzer/alerts/manager.js';
import { DEFAULT_ALERTS_OPTIONS } from '../../analyzer/alerts/options.js';
import type { AlertsOptions } from '../../analyzer/alerts/options.js';
import type { SilenceInput } from '../../analyzer/alerts/silences.js';
import { createNotifiers } from '../../analyzer/notify/index.js';
import type { Notifier } from '../../analyzer/notify/index.js';
import type { Observation } from '../../analyzer/types.js';
import { Receiver } from '../unit/notify-receiver.js';
import type { Received } from '../unit/notify-receiver.js';

export { Receiver };
export type { Received };

export interface StackOptions {
  /** Address the BMP listener binds (port 0: pick one; restart() keeps the port). */
  readonly listen: HostPort;
  readonly allow: readonly string[];
  readonly inventory: Inventory | string;
  readonly detectors?: DetectorsOptions;
  readonly alerts?: Partial<AlertsOptions>;
  readonly silences?: readonly SilenceInput[];
  /** Detector and alert tick period (ms). */
  readonly tickMs?: number;
  /** Bus consumer batching: deliver after this long at most (ms). */
  readonly maxWaitMs?: number;
  readonly dumpQuietSeconds?: number;
  readonly log?: Logger;
}

/** Fast-timeline alerting defaults for tests: short squash, quick retries, no channel throttle to speak of. */
export const FAST_ALERTS: Partial<AlertsOptions> = {
  squashSeconds: 1,
  notifyIntervalSeconds: 3600,
  remind: false,
  resolveAfterSeconds: 600,
  delivery: { queueSize: 1000, maxAttempts: 8, retryBaseMs: 200, retryMaxMs: 2_000, maxRetryAfterMs: 5_000, requestTimeoutMs: 5_000 },
};

export class AnalyzerStack {
  readonly bus = new MemoryBus();
  readonly producer: BusProducer;
  readonly pipeline: AnalyzerPipeline;
  readonly manager: AlertManager;
  readonly notifiers: readonly Notifier[];
  readonly slack: Receiver;
  /** Every record the analyzer consumed, in order (for explanations). */
  readonly records: BusRecord[] = [];
  /** Every observation the detectors produced, in order. */
  readonly observations: Observation[] = [];
  readonly log: Logger;
  collector: BmpCollector | undefined;
  address: HostPort;
  private consumer: BusConsumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly allow: Cidr[];
  /** Called with each record as the analyzer consumes it (benchmarks time their probes here). */
  onRecord: ((r: BusRecord) => void) | undefined;

  private constructor(
    private readonly o: StackOptions,
    slack: Receiver,
  ) {
    this.slack = slack;
    this.address = o.listen;
    this.log = o.log ?? createLogger({ level: 'silent' });
    this.allow = o.allow.map((a) => {
      const c = parseCidr(a);
      if (typeof c === 'string') throw new Error(`allow ${a}: ${c}`);
      return c;
    });
    const inv = typeof o.inventory === 'string' ? parseInventory(o.inventory, 'scenario-inventory.yaml') : o.inventory;
    this.producer = this.bus.producer();
    const base = { ...DEFAULT_ALERTS_OPTIONS, ...FAST_ALERTS, ...o.alerts };
    const options: AlertsOptions = {
      ...base,
      silences: o.silences ?? base.silences,
      slack: { ...base.slack, webhookUrl: `${slack.url}/services/T000/B000/scenario`, messagesPerSecond: 50, burst: 50 },
      webhook: { ...base.webhook, url: '' },
    };
    this.notifiers = createNotifiers(options, { log: this.log });
    this.manager = new AlertManager({ options, notifiers: this.notifiers, log: this.log, tickMs: o.tickMs ?? 250 });
    const manager = this.manager;
    const seen = this.observations;
    this.pipeline = new AnalyzerPipeline({
      inventory: inv,
      ...(o.detectors ? { detectors: o.detectors } : {}),
      log: this.log,
      sink: {
        observeAll(os: Iterable<Observation>): void {
          const list = [...os];
          seen.push(...list);
          manager.observeAll(list);
        },
      },
    });
  }

  get detectors(): DetectorSet {
    return this.pipeline.detectors;
  }

  static async start(o: StackOptions): Promise<AnalyzerStack> {
    const slack = await new Receiver().start();
    const s = new AnalyzerStack(o, slack);
    await s.manager.start();
    s.consumer = s.bus.consumer({ group: 'analyzer', maxRecords: 10_000, maxWaitMs: o.maxWaitMs ?? 50 });
    await s.consumer.start((batch) => {
      for (const r of batch.records) {
        s.records.push(r);
        s.onRecord?.(r);
      }
      return s.pipeline.handle(batch);
    });
    s.timer = setInterval(() => s.pipeline.tick(), o.tickMs ?? 250);
    s.timer.unref();
    await s.startCollector();
    return s;
  }

  /** Starts the BMP listener (again) on the same address. */
  async startCollector(): Promise<HostPort> {
    if (this.collector) throw new Error('collector already running');
    const c = new BmpCollector({
      listen: this.address,
      maxSessions: 16,
      maxMessageBytes: 1 << 20,
      tcpKeepaliveSeconds: 0,
      allow: this.allow,
      dumpQuietSeconds: this.o.dumpQuietSeconds ?? 5,
      sink: this.producer,
      log: this.log,
      // A registry per listener: a restarted collector registers its metrics afresh.
      metrics: new CollectorMetrics(createRegistry({ processMetrics: false })),
    });
    this.address = await c.start();
    this.collector = c;
    return this.address;
  }

  /** Stops the BMP listener: every router session ends (router_down), routers start redialling. */
  async stopCollector(cause = 'restart'): Promise<void> {
    const c = this.collector;
    this.collector = undefined;
    await c?.stop(cause);
  }

  /** The webhook payloads Slack accepted (2xx), parsed. */
  accepted(): SlackPayload[] {
    return this.slack.accepted.map((r) => JSON.parse(r.body) as SlackPayload);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.stopCollector('shutdown').catch(() => {});
    await this.consumer?.stop().catch(() => {});
    await this.manager.stop(1000).catch(() => {});
    for (const n of this.notifiers) await n.close().catch(() => {});
    await this.bus.close().catch(() => {});
    await this.slack.close();
  }
}

// ---- Slack payloads ---------------------------------------------------------------------------

export interface SlackText {
  readonly type: string;
  readonly text: string;
}
export interface SlackBlock {
  readonly type: string;
  readonly text?: SlackText;
  readonly fields?: readonly SlackText[];
  readonly elements?: readonly SlackText[];
}
export interface SlackPayload {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/** A Block Kit message taken apart: header, the labelled sections/fields (What, Where, Since, …), evidence facts, alert id, event. */
export interface ParsedSlack {
  readonly header: string;
  readonly sections: Readonly<Record<string, string>>;
  readonly evidence: Readonly<Record<string, string>>;
  readonly alertId: string;
  readonly event: string;
  readonly payload: SlackPayload;
}

/** Parses one message; throws (naming what is missing) when it is not the Block Kit shape ribwatch sends. */
export function parseSlack(p: SlackPayload): ParsedSlack {
  if (typeof p.text !== 'string' || p.text === '') throw new Error('no fallback text');
  const raw: unknown = p.blocks;
  const blocks: readonly SlackBlock[] = Array.isArray(raw) ? (raw as SlackBlock[]) : [];
  if (blocks.length === 0 || blocks.length > 50) throw new Error(`blocks: ${blocks.length}`);
  const head = blocks[0];
  if (head?.type !== 'header' || head.text?.type !== 'plain_text' || head.text.text.length > 150) throw new Error(`first block is not a plain_text header ≤ 150: ${JSON.stringify(head)}`);
  const sections: Record<string, string> = {};
  const evidence: Record<string, string> = {};
  let inEvidence = false;
  const label = (t: string): [string, string] | undefined => {
    const m = /^\*([^*]+)\*\n?([\s\S]*)$/.exec(t);
    return m ? [m[1] as string, m[2] as string] : undefined;
  };
  let alertId = '';
  let event = '';
  for (const b of blocks.slice(1)) {
    if (b.type === 'section' && b.text) {
      const l = label(b.text.text);
      if (!l) continue;
      if (l[0] === 'Evidence') {
        inEvidence = true;
        for (const line of l[1].split('\n')) {
          const m = /^• ([^:]+): (.*)$/.exec(line);
          if (m) evidence[m[1] as string] = m[2] as string;
        }
        continue;
      }
      inEvidence = false;
      sections[l[0]] = l[1];
    } else if (b.type === 'section' && b.fields) {
      if (b.fields.length > 10) throw new Error(`section with ${b.fields.length} fields (Slack allows 10)`);
      for (const f of b.fields) {
        if (f.type !== 'mrkdwn' || f.text.length > 2000) throw new Error(`field not mrkdwn ≤ 2000: ${f.text.slice(0, 80)}`);
        const l = label(f.text);
        if (!l) continue;
        if (inEvidence) evidence[l[0]] = l[1];
        else sections[l[0]] = l[1];
      }
      inEvidence = false;
    } else if (b.type === 'context' && b.elements?.[0]) {
      const m = /alert `([^`]+)` · (\w+)/.exec(b.elements[0].text);
      if (m) {
        alertId = m[1] as string;
        event = m[2] as string;
      }
    }
  }
  return { header: head.text.text, sections, evidence, alertId, event, payload: p };
}

/** One line per message, for assertion messages. */
export function describeMessages(ps: readonly SlackPayload[]): string {
  return ps.length === 0 ? '(no Slack message)' : ps.map((p) => `  ${p.text.split('\n')[0]?.slice(0, 200)}`).join('\n');
}
