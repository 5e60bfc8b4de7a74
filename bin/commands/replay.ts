/**
 * `ribwatch replay`: act as a router. Sends the BMP in a raw file or a capture to a collector
 * over TCP, one connection per BMP stream of the capture (each stream is one router's BMP
 * session), streams one after another in capture order. Only whole messages are sent: the
 * truncated tail of a capture and bytes around capture gaps are left out, so the collector sees
 * a well-formed session. Socket backpressure is honoured (write() false → wait for 'drain'), and
 * --rate paces by messages per second.
 */
import { connect, isIP } from 'node:net';
import type { Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { BmpFramer, findBmpHeader } from '@ribwatch/bmp-parser';
import { readBmpInput } from '../capture/index.js';
import type { BmpStream } from '../capture/index.js';
import { usageError } from './command.js';
import type { CliIo, Command } from './command.js';

/** "host:port", "[v6]:port"; undefined when malformed. */
export function parseHostPort(s: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (m === null) return undefined;
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? '', port };
}

/** The whole BMP messages of a stream, in order, skipping what cannot be framed. */
export function streamMessages(s: BmpStream): Uint8Array[] {
  const out: Uint8Array[] = [];
  const bounds = [...s.gaps.map((g) => g.at), s.data.length];
  let from = 0;
  for (const end of bounds) {
    let run = s.data.subarray(from, end);
    if (from > 0) {
      const at = findBmpHeader(run);
      run = at < 0 ? run.subarray(run.length) : run.subarray(at);
    }
    from = end;
    let framer = new BmpFramer();
    framer.push(run);
    let origin = 0;
    for (let f = framer.next(); f !== undefined; f = framer.next()) {
      if (f.ok) {
        out.push(f.frame);
        continue;
      }
      const next = findBmpHeader(run, origin + framer.offset + 1);
      if (next < 0) break;
      origin = next;
      framer = new BmpFramer();
      framer.push(run.subarray(next));
    }
  }
  return out;
}

function openSocket(host: string, port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port, ...(localAddress !== undefined ? { localAddress } : {}) });
    const onError = (err: Error): void => reject(err);
    sock.once('error', onError);
    sock.once('connect', () => {
      sock.off('error', onError);
      resolve(sock);
    });
  });
}

/** Write, and when the socket pushes back wait for 'drain' (or fail on error/close). */
function write(sock: Socket, data: Uint8Array): Promise<void> {
  if (sock.write(data)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      sock.off('drain', onDrain);
      sock.off('error', onError);
      sock.off('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('connection closed by the collector'));
    };
    sock.on('drain', onDrain);
    sock.on('error', onError);
    sock.on('close', onClose);
  });
}

function finish(sock: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.once('close', () => resolve());
    sock.end();
  });
}

export interface ReplayOptions {
  readonly host: string;
  readonly port: number;
  /** Messages per second; undefined = as fast as the socket takes them. */
  readonly rate?: number;
  /** Local address to connect from (a router's own address: e.g. two routers behind one load balancer). */
  readonly from?: string;
  readonly log?: (line: string) => void;
}

/** Send each stream over its own connection; resolves with messages and bytes sent. */
export async function replayStreams(streams: readonly BmpStream[], o: ReplayOptions): Promise<{ messages: number; bytes: number }> {
  let messages = 0;
  let bytes = 0;
  for (const s of streams) {
    const msgs = streamMessages(s);
    const sock = await openSocket(o.host, o.port, o.from);
    sock.on('data', () => undefined); // a collector sends nothing, but never let its bytes pile up
    const start = performance.now();
    let sent = 0;
    let sentBytes = 0;
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      const buf = batch.length === 1 ? batch[0] ?? new Uint8Array(0) : Buffer.concat(batch, batchBytes);
      batch = [];
      batchBytes = 0;
      await write(sock, buf);
    };
    try {
      for (const m of msgs) {
        if (o.rate !== undefined) {
          const due = start + (sent * 1000) / o.rate;
          const wait = due - performance.now();
          if (wait > 1) {
            await flush();
            await sleep(wait);
          }
        }
        batch.push(m);
        batchBytes += m.length;
        sent++;
        sentBytes += m.length;
        if (batchBytes >= 1 << 16 || o.rate !== undefined) await flush();
      }
      await flush();
      await finish(sock);
    } catch (err) {
      sock.destroy();
      throw err;
    }
    messages += sent;
    bytes += sentBytes;
    o.log?.(`router ${s.router}: ${sent} messages, ${sentBytes} bytes sent`);
  }
  return { messages, bytes };
}

const USAGE = `usage: ribwatch replay FILE --to HOST:PORT [--rate MSGS_PER_S] [--port N] [--router ADDR] [--from ADDR]

Act as a router: send the BMP messages in FILE (raw BMP, optionally gzipped, or a pcap/pcapng
capture) to a BMP collector over TCP. Each BMP stream of a capture (one router's session) is sent
over its own TCP connection, one after another in capture order; only whole messages are sent.

options:
  --to HOST:PORT     the collector ([v6addr]:port for IPv6)
  --rate N           at most N messages per second (default: as fast as the socket accepts)
  --port N           treat TCP traffic to or from port N in the capture as BMP
  --router ADDR      name for a raw file's router in the progress lines
  --from ADDR        connect from this local address (e.g. 127.0.0.2: a second router on one host)
  -h, --help         this text`;

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { to: { type: 'string' }, rate: { type: 'string' }, port: { type: 'string' }, router: { type: 'string' }, from: { type: 'string' } } });
  } catch (err) {
    return usageError(io, 'replay', err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return usageError(io, 'replay', 'give exactly one FILE');
  const file = positionals[0] ?? '';
  if (values.to === undefined) return usageError(io, 'replay', '--to HOST:PORT is required');
  const to = parseHostPort(values.to);
  if (to === undefined) return usageError(io, 'replay', `--to must be HOST:PORT, not '${values.to}'`);
  let rate: number | undefined;
  if (values.rate !== undefined) {
    rate = Number(values.rate);
    if (!Number.isFinite(rate) || rate <= 0) return usageError(io, 'replay', `--rate must be a positive number of messages per second, not '${values.rate}'`);
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return usageError(io, 'replay', `--port must be a TCP port (1-65535), not '${values.port}'`);
  }
  if (values.from !== undefined && isIP(values.from) === 0) return usageError(io, 'replay', `--from must be an IP address, not '${values.from}'`);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.stderr.write(`ribwatch replay: ${file}: ${code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const r = readBmpInput(bytes, { name: basename(file), ...(port === undefined ? {} : { port }), ...(values.router === undefined ? {} : { router: values.router }) });
  if (!r.ok) {
    io.stderr.write(`ribwatch replay: ${file}: ${r.message}\n`);
    return 1;
  }
  try {
    const total = await replayStreams(r.value.streams, { ...to, ...(rate === undefined ? {} : { rate }), ...(values.from === undefined ? {} : { from: values.from }), log: (l) => io.stderr.write(`ribwatch replay: ${l}\n`) });
    io.stderr.write(`ribwatch replay: done: ${r.value.streams.length} streams, ${total.messages} messages, ${total.bytes} bytes\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`ribwatch replay: ${values.to}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

export const command: Command = { usage: USAGE, run };
