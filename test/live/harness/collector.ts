/**
 * Our own collector as a process, exactly as a user runs it: `node bin/ribwatch.mjs collector
 * --listen 127.0.0.1:0` with records to an NDJSON file (RIBWATCH_OUTPUT_NDJSON) and metrics off.
 * The bound port is read from its "listening for BMP on ..." line; SIGTERM stops it gracefully
 * (router_down "shutdown", sink flushed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BusRecord } from '../../../records/types.js';
import { tail, waitFor } from './procs.js';
import type { Lab, Tracked } from './procs.js';

/** bin/ribwatch.mjs, from dist/test/live/harness/ (compiled) back to the repo root. */
export const RIBWATCH_CLI = fileURLToPath(new URL('../../../../bin/ribwatch.mjs', import.meta.url));

export class CollectorProcess {
  private constructor(
    private readonly lab: Lab,
    readonly proc: Tracked,
    readonly output: string,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Starts the collector; `env` adds RIBWATCH_* settings (e.g. RIBWATCH_COLLECTOR_DUMP_QUIET_SECONDS). */
  static async start(lab: Lab, env: Record<string, string> = {}): Promise<CollectorProcess> {
    const output = lab.path('records.ndjson');
    const log = lab.path('collector.log');
    const proc = lab.spawn('ribwatch-collector', process.execPath, [RIBWATCH_CLI, 'collector', '--listen', '127.0.0.1:0'], {
      log,
      env: { PATH: process.env['PATH'] ?? '', RIBWATCH_OUTPUT_NDJSON: output, RIBWATCH_COLLECTOR_METRICS_LISTEN: '', RIBWATCH_LOG_LEVEL: 'info', ...env },
    });
    const port = await waitFor(
      'the collector to say where it listens',
      () => {
        if (proc.exited) throw new Error(`collector exited (${proc.exitCode ?? proc.exitSignal})`);
        const m = existsSync(log) ? /listening for BMP on 127\.0\.0\.1:(\d+)/.exec(readFileSync(log, 'utf8')) : null;
        return m ? Number(m[1]) : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, explain: () => `--- collector log ---\n${tail(log)}` },
    );
    return new CollectorProcess(lab, proc, output, '127.0.0.1', port);
  }

  explain(): string {
    return `--- collector log ---\n${tail(this.proc.log)}`;
  }

  /** Every complete NDJSON line written so far, parsed (a half-written last line is left for later). */
  records(): BusRecord[] {
    if (!existsSync(this.output)) return [];
    const text = readFileSync(this.output, 'utf8');
    const end = text.lastIndexOf('\n');
    if (end < 0) return [];
    return text
      .slice(0, end)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as BusRecord);
  }

  /** SIGTERM and wait for exit (bounded); returns the exit code. */
  async stop(): Promise<number | null> {
    await this.lab.stop(this.proc, 10_000);
    return this.proc.exitCode;
  }
}
