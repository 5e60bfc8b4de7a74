/**
 * Real captures through the pipeline into a store, for the API's live tests, its fuzz run and
 * its benchmark: each BMP stream of a capture is framed and decoded as the collector's session
 * does (BmpFramer → BmpRouterState → appendRecordsFromBmp, with the collector's dump tracking),
 * published on the in-process bus and stored by the writer. Arrival times are on a clock the
 * caller sets (recent, so the TTL and the default windows see them), one step per BMP message.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BmpFramer, BmpRouterState } from '@ribwatch/bmp-parser';
import { appendRecordsFromBmp, arrivalTime, RecordContext, routerUpRecord } from '../../collector/records-from-bmp.js';
import { startWriter } from '../../writer/index.js';
import { MemoryBus } from '../../bus/index.js';
import { readBmpInput } from '../../bin/capture/index.js';
import { migrate } from '../../store/migrate.js';
import type { BusRecord } from '../../records/types.js';
import type { Store } from '../../store/index.js';

export const REAL = '/work/shared/testdata/real';
/** Cisco IOS-XR with IPv4/IPv6 unicast and VPN, withdrawals and three Peer Downs; FRR (6WIND) with a Peer Down. */
export const API_CAPTURES = [`${REAL}/pmacct/204-BMP-CISCO-peer_down/traffic-00.pcap`, `${REAL}/pmacct/205-BMP-6wind-FRR-peer_down/traffic-00.pcap`];

export interface LoadOptions {
  /** Arrival time of the first record, ms. */
  readonly startMs: number;
  /** Clock step per BMP message, ms. */
  readonly stepMs?: number;
  /** The collector's dump quiet period: records after a pause this long are live, not dump. */
  readonly dumpQuietMs?: number;
}

export interface Loaded {
  readonly records: BusRecord[];
  /** Arrival time of the last record, ms. */
  readonly endMs: number;
}

export async function loadCaptures(store: Store, files: readonly string[], o: LoadOptions): Promise<Loaded> {
  await migrate(store);
  let clock = o.startMs;
  const step = o.stepMs ?? 10;
  const bus = new MemoryBus();
  const running = await startWriter(bus, store, { maxRecords: 5000, maxWaitMs: 5, countsIntervalMs: 0, reconcileQuietMs: 3_600_000, now: () => clock });
  const producer = bus.producer();
  const records: BusRecord[] = [];
  for (const file of files) {
    const input = readBmpInput(new Uint8Array(readFileSync(file)));
    if (!input.ok) throw new Error(`${file}: ${input.message}`);
    for (const stream of input.value.streams) {
      const ctx = new RecordContext(stream.router, randomUUID(), clock, o.dumpQuietMs ?? 5);
      const out: BusRecord[] = [routerUpRecord(ctx, arrivalTime(clock), 40000 + stream.index, '127.0.0.1:11019')];
      const framer = new BmpFramer({ maxMessageLength: 1 << 24 });
      const state = new BmpRouterState();
      framer.push(stream.data);
      for (let f = framer.next(); f !== undefined && f.ok; f = framer.next()) {
        const r = state.decode(f.frame);
        if (!r.ok) continue;
        clock += step;
        appendRecordsFromBmp(out, r.value, ctx, arrivalTime(clock), clock);
      }
      producer.write(out);
      records.push(...out);
    }
  }
  const deadline = Date.now() + 60_000;
  while (running.writer.stats.records < records.length) {
    if (Date.now() > deadline) throw new Error(`writer stored ${running.writer.stats.records} of ${records.length} records within 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  await running.writer.snapshotCounts(clock);
  await running.stop();
  await bus.close();
  return { records, endMs: clock };
}
