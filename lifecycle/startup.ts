/**
 * Start-up failures of a role as one line an operator can act on (no stack trace, the host named,
 * the fix named), with the exit status: 2 for configuration, 1 for the environment.
 */
import { readFileSync } from 'node:fs';

/** A start-up failure: one line for stderr, and the exit status (2 configuration, 1 environment). */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message.replace(/\s+/g, ' ').trim());
  }
}

/** An error as one line: its message with white space folded, and its cause when the message does not already say it. */
export function oneLine(e: unknown): string {
  const msg = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').trim();
  const cause = e instanceof Error ? (e as { cause?: unknown }).cause : undefined;
  return cause instanceof Error && !msg.includes(cause.message) ? `${msg}: ${cause.message.replace(/\s+/g, ' ').trim()}` : msg;
}

/** Reads a PEM file named by a config key; "" is "not set". A failure names the key. */
export function readPem(path: string, key: string): string | undefined {
  if (path === '') return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new StartupError(`${key}: cannot read ${path}: ${oneLine(e)}`, 2);
  }
}

/** Rejects with `message` when `p` has not settled within `ms`. */
export async function within<T>(p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
