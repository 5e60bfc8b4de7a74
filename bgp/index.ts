/**
 * The BGP role: a receive-only BGP speaker whose neighbors' routes become the same records as
 * BMP's (feed-records.ts), published on the sink the caller gives it (the bus in `ribwatch run`
 * and `ribwatch collector`). `bin/` composes it; it imports no other role.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import type { Logger } from '../telemetry/log.js';
import type { HostPort } from '../net/addresses.js';
import type { RecordSink } from '../records/sink.js';
import { BgpMetrics } from './metrics.js';
import { BgpSpeaker, speakerOptions } from './speaker.js';

export { BgpSpeaker, speakerOptions } from './speaker.js';
export type { BgpSpeakerOptions } from './speaker.js';
export { BgpMetrics } from './metrics.js';
export { bgpRouterName } from './feed-records.js';

export interface BgpDeps {
  readonly sink: RecordSink;
  readonly log: Logger;
  readonly registry: Registry;
}

export interface RunningBgp {
  readonly speaker: BgpSpeaker;
  /** Where it listens (null: active neighbors only). */
  readonly bound: HostPort | null;
  stop(): Promise<void>;
}

/** Whether the configuration asks for the speaker: bgp.listen, or an active neighbor. */
export function bgpEnabled(c: Config['bgp']): boolean {
  return c.listen !== null || c.neighbors.some((n) => !n.passive);
}

/** Starts the speaker from `bgp.*`; throws a message naming the key when the configuration cannot work. */
export async function start(deps: BgpDeps, c: Config['bgp']): Promise<RunningBgp> {
  const speaker = new BgpSpeaker(speakerOptions(c, { sink: deps.sink, log: deps.log.child({ component: 'bgp' }), metrics: new BgpMetrics(deps.registry) }));
  const bound = await speaker.start();
  return { speaker, bound, stop: () => speaker.stop() };
}
