/**
 * Processes for live tests: every daemon is spawned by us, recorded with its PID, and stopped by
 * that PID (SIGTERM, a bounded wait, then SIGKILL). Nothing is ever found or killed by name, so
 * several people can run live tests on one machine at once.
 */
import { spawn, execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Last `lines` lines of a log file, for error messages ("" when the file does not exist). */
export function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return `(no ${file})`;
  const text = readFileSync(file, 'utf8').trimEnd().split('\n');
  return text.slice(-lines).join('\n');
}

/**
 * Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`
 * with `what` and whatever `explain()` adds (typically a daemon's log tail).
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  opts: { timeoutMs: number; intervalMs?: number; explain?: () => string | Promise<string> },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) break;
    await sleep(opts.intervalMs ?? 200);
  }
  const extra = opts.explain ? await opts.explain() : '';
  const err = lastError instanceof Error ? `\nlast error: ${lastError.message}` : '';
  throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${err}${extra ? `\n${extra}` : ''}`);
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a short command (vtysh, gobgp CLI) with a time bound; never throws on a non-zero exit. */
export function run(cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      let code = 0;
      if (error) code = typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() || (error && code === -1 ? error.message : '') });
    });
  });
}

/** Like {@link run}, but a non-zero exit is an error that shows the command and its output. */
export async function runOk(cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<string> {
  const r = await run(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

export interface Tracked {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly log: string;
  readonly stopSignal: NodeJS.Signals;
  exited: boolean;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
}

/**
 * Last resort if the test process exits without its `after` hooks (uncaught error, process.exit):
 * SIGKILL, by PID, whatever this process started and is still running. Synchronous, as 'exit'
 * handlers must be.
 */
const everyLab = new Set<Lab>();
process.once('exit', () => {
  for (const lab of everyLab) for (const t of lab.running()) {
    try {
      process.kill(t.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/**
 * One live test's world: a private run directory under the OS temp dir and the daemons started in
 * it. `stopAll()` belongs in an `after` hook; it is safe to call twice and after failures.
 */
export class Lab {
  readonly dir: string;
  private readonly procs: Tracked[] = [];
  private failed = false;

  constructor(readonly name: string) {
    this.dir = mkdtempSync(join(tmpdir(), `ribwatch-live-${process.pid}-${name}-`));
    everyLab.add(this);
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /**
   * Starts a daemon in the foreground (no detach, so it cannot outlive a crashed test runner's
   * process group by accident), stdout+stderr appended to `log`.
   */
  spawn(name: string, cmd: string, args: readonly string[], opts: { log: string; stopSignal?: NodeJS.Signals; cwd?: string; env?: NodeJS.ProcessEnv }): Tracked {
    const fd = openSync(opts.log, 'a');
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, { stdio: ['ignore', fd, fd], detached: false, cwd: opts.cwd ?? this.dir, ...(opts.env ? { env: opts.env } : {}) });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd}): see ${opts.log}\n${tail(opts.log)}`);
    const t: Tracked = { name, pid: child.pid, child, log: opts.log, stopSignal: opts.stopSignal ?? 'SIGTERM', exited: false, exitCode: null, exitSignal: null };
    child.on('exit', (code, signal) => {
      t.exited = true;
      t.exitCode = code;
      t.exitSignal = signal;
    });
    child.on('error', () => {
      t.exited = true;
    });
    this.procs.push(t);
    return t;
  }

  /** Stops one tracked process by PID: its stop signal, up to `graceMs`, then SIGKILL. */
  async stop(t: Tracked, graceMs = 5_000): Promise<void> {
    if (!t.exited) {
      const gone = new Promise<void>((resolve) => {
        if (t.exited) resolve();
        else t.child.once('exit', () => resolve());
      });
      try {
        process.kill(t.pid, t.stopSignal);
      } catch {
        /* already gone */
      }
      const timer = sleep(graceMs).then(() => 'timeout' as const);
      if ((await Promise.race([gone.then(() => 'gone' as const), timer])) === 'timeout' && !t.exited) {
        try {
          process.kill(t.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
        await Promise.race([gone, sleep(2_000)]);
      }
    }
    const i = this.procs.indexOf(t);
    if (i >= 0) this.procs.splice(i, 1);
  }

  /** Sends a signal to a tracked process (SIGSTOP/SIGCONT/SIGKILL scenarios), by PID. */
  signal(t: Tracked, sig: NodeJS.Signals): void {
    if (!t.exited) process.kill(t.pid, sig);
  }

  /** Stops everything still running, newest first, in parallel-safe order. */
  async stopAll(): Promise<void> {
    for (const t of [...this.procs].reverse()) await this.stop(t);
  }

  running(): readonly Tracked[] {
    return this.procs.filter((p) => !p.exited);
  }

  /** Mark the run failed: its directory is kept for inspection. */
  markFailed(): void {
    this.failed = true;
  }

  /** Runs `fn`, marking the lab failed (run dir kept) if it throws. */
  async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.failed = true;
      throw e;
    }
  }

  /** Stop all daemons; remove the run dir unless a step failed or RIBWATCH_LIVE_KEEP is set. */
  async close(): Promise<void> {
    await this.stopAll();
    everyLab.delete(this);
    if (this.failed || process.env['RIBWATCH_LIVE_KEEP']) {
      console.error(`# live run directory kept: ${this.dir}`);
      return;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
