/**
 * Structured logs (pino), JSON lines on stderr: stdout may carry NDJSON records, and the two must
 * never mix. One child logger per router (`router`, `router_name`) and per peer (`peer`), so every
 * line about a router can be found with one filter.
 *
 * Secrets (passwords, tokens, the bus's SASL credentials) are redacted by key name, so a
 * config object logged by mistake does not leak them.
 */
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogLevel } from '../config/config.js';

export type { Logger } from 'pino';

const REDACT = ['password', 'token', 'secret', 'sasl', 'authorization', 'apiKey'].flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

export interface LogOptions {
  readonly level: LogLevel;
  /** Where lines go; default stderr (fd 2). Tests pass a stream to read them back. */
  readonly destination?: DestinationStream;
  readonly name?: string;
}

export function createLogger(opts: LogOptions): Logger {
  return pino(
    {
      name: opts.name ?? 'ribwatch',
      level: opts.level,
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      base: { pid: process.pid },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger whose lines carry the router; `name` (sysName) is added once Initiation says it. */
export function routerLogger(parent: Logger, router: string, name?: string): Logger {
  return parent.child(name === undefined ? { router } : { router, router_name: name });
}

export function peerLogger(routerLog: Logger, peer: string): Logger {
  return routerLog.child({ peer });
}
