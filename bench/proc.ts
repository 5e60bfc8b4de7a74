/**
 * Child processes and sockets for the benchmark: /proc readings (CPU ticks, peak RSS), a free
 * loopback port, a replayer with backpressure, bounded waits, and stopping a child by its PID.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ: 100 on Linux). */
export const CLK_TCK = 100;

/** utime + stime of a process (all its threads), in clock ticks; -1 when it is gone. */
export function cpuTicks(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5); f[0] is field 3.
    return Number(f[11]) + Number(f[12]);
  } catch {
    return -1;
  }
}

/** A /proc/<pid>/status field in kB (VmHWM: peak RSS, VmRSS: now); 0 when unreadable. */
export function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a !== null && typeof a === 'object' ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** stdout and stderr so far (capped at 1 MiB each). */
  out: string;
  err: string;
  exited: boolean;
}

export function start(cmd: string, args: readonly string[], opts: SpawnOptions = {}): Child {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (proc.pid === undefined) throw new Error(`cannot start ${cmd}`);
  const c: Child = { proc, pid: proc.pid, out: '', err: '', exited: false };
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
    if (c.out.length < 1 << 20) c.out += d;
  });
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (c.err.length < 1 << 20) c.err += d;
  });
  proc.on('exit', () => {
    c.exited = true;
  });
  proc.on('error', () => {
    c.exited = true;
  });
  return c;
}

/** Sends `signal` to the child by PID, waits up to graceMs for it to exit, then SIGKILLs it. */
export async function stop(c: Child, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (c.exited) return;
  try {
    process.kill(c.pid, signal);
  } catch {
    return;
  }
  try {
    await waitFor(() => c.exited, graceMs, `pid ${c.pid} to exit`);
  } catch {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    await waitFor(() => c.exited, 5000, `pid ${c.pid} to die`).catch(() => {});
  }
}

export interface SendResult {
  readonly socket: Socket;
  /** performance.now() at connect and after the last byte was handed to the kernel. */
  readonly tConnect: number;
  readonly tFirstByte: number;
  readonly tSent: number;
}

/**
 * Replays a file over one TCP connection in 64 KiB writes, waiting for 'drain' when the kernel
 * buffer is full (the receiver's pace). The socket stays open unless `end` (then it is ended).
 */
export async function replay(file: string, port: number, opts: { end: boolean; timeoutMs: number }): Promise<SendResult> {
  const tConnect = performance.now();
  const socket = await new Promise<Socket>((resolve, reject) => {
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`no connection to 127.0.0.1:${port} within 10 s`));
    }, 10_000);
    const s = connect({ host: '127.0.0.1', port, noDelay: true }, () => {
      clearTimeout(t);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
  socket.on('error', () => {});
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  const deadline = Date.now() + opts.timeoutMs;
  let tFirstByte = 0;
  try {
    let at = 0;
    while (at < size) {
      // A fresh buffer per write: the socket owns it until written.
      const chunk = Buffer.allocUnsafe(Math.min(65536, size - at));
      const n = readSync(fd, chunk, 0, chunk.length, at);
      if (n <= 0) break;
      at += n;
      if (tFirstByte === 0) tFirstByte = performance.now();
      if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        await new Promise<void>((resolve, reject) => {
          const done = (err?: Error): void => {
            clearTimeout(t);
            socket.off('drain', onDrain);
            socket.off('close', onClose);
            if (err) reject(err);
            else resolve();
          };
          const onDrain = (): void => done();
          const onClose = (): void => done(new Error('the receiver closed the connection during the replay'));
          const t = setTimeout(() => done(new Error('replay timed out waiting for drain')), Math.max(0, deadline - Date.now()));
          socket.on('drain', onDrain);
          socket.on('close', onClose);
        });
      }
    }
  } finally {
    closeSync(fd);
  }
  // Everything handed to the kernel (bounded: a receiver that stopped reading must not wedge the bench).
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('replay timed out flushing the last bytes')), Math.max(1000, deadline - Date.now()));
    socket.write('', () => {
      clearTimeout(t);
      resolve();
    });
  });
  const tSent = performance.now();
  if (opts.end) socket.end();
  return { socket, tConnect, tFirstByte, tSent };
}

/** Reads the last `n` bytes of a file as text ('' when it does not exist). */
export function tail(file: string, n = 8192): string {
  try {
    const size = statSync(file).size;
    const len = Math.min(n, size);
    const buf = Buffer.alloc(len);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8');
  } catch {
    return '';
  }
}

/** Newlines in a file (streamed in 4 MiB reads). */
export function countLines(file: string): number {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  let lines = 0;
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      for (let i = buf.indexOf(10, 0); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) lines++;
    }
  } finally {
    closeSync(fd);
  }
  return lines;
}
