/**
 * Refused connections (BMP routers, BGP neighbors) are logged at most once a minute per source, so
 * a scanner cannot flood the log; the map of sources is bounded.
 */
import type { Logger } from './log.js';

const INTERVAL_MS = 60_000;
const MAX_SOURCES = 1024;

export class RefusalLog {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    private readonly message: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** `fields` adds to the line (e.g. the kind of a bad PROXY header). */
  refused(remote: string, port: number, reason: string, fields: Readonly<Record<string, string>> = {}): void {
    const now = this.clock();
    const last = this.last.get(remote);
    if (last !== undefined && now - last < INTERVAL_MS) return;
    if (this.last.size >= MAX_SOURCES) this.last.clear();
    this.last.set(remote, now);
    this.log.warn({ remote, remote_port: port, reason, ...fields }, this.message);
  }
}
