/**
 * The demo fabric: three simulated routers (leaf1, leaf2, border1), each with its own BMP session
 * to a collector from its own loopback source address, carrying a Cilium cluster's routes and,
 * within the first minute, a flap storm, a pod CIDR leak and prefix-limit pressure ending in a
 * max-prefix teardown (scenario.ts has the timeline). The matching inventory comes with it, so
 * `ribwatch run --demo` shows real alerts without a router, and `ribwatch sim` drives any
 * collector.
 *
 * Why here: the fabric exists to exercise the analyzer's detectors against an inventory it
 * generates; it uses only bmp-parser's encoders and core's inventory (no other role), so the
 * layering rule holds (bin -> analyzer -> core -> bmp-parser).
 *
 * Bounded: one timer chain for the script, one interval per router for statistics, back-off
 * timers for reconnects (at most `maxRetries` in a row); stop() clears all of them, sends
 * Termination and closes every socket.
 */
import type { Inventory } from '../inventory/inventory.js';
import type { DemoLog } from './router.js';
import { SimRouter } from './router.js';
import { demoPlan, postPolicy, rng } from './scenario.js';
import type { DemoStory, Step } from './scenario.js';
import { demoInventory, demoInventoryYaml } from './topology.js';

export { demoInventory, demoInventoryYaml, demoRouters, DEFAULT_SOURCES, DEMO_NODES, DEMO_CLUSTER } from './topology.js';
export { demoPlan } from './scenario.js';
export type { DemoStory, DemoPlan, Step } from './scenario.js';
export type { DemoLog } from './router.js';

/** Where deploy/inventory.demo.yaml lives, relative to the repository root. */
export const DEMO_INVENTORY_PATH = 'deploy/inventory.demo.yaml';

export interface DemoFabricOptions {
  /** The collector's BMP listener. The host must be reachable from the loopback sources (use 127.0.0.1). */
  readonly bmp: { readonly host: string; readonly port: number };
  /** Time scale: 1 is real time (trouble within the first minute); 50 runs the script in about a second. */
  readonly speed?: number;
  /** Picks addresses and timing jitter; same seed, same messages. Default 1. */
  readonly seed?: number;
  readonly log?: DemoLog;
  /** BMP source addresses by router name (default 127.0.11.1, .2, .254); the inventory follows them. */
  readonly sources?: Readonly<Record<string, string>>;
  /** Reconnect attempts in a row before a router gives up. Default 10. */
  readonly maxRetries?: number;
  /** The script starts once every router's first BMP session is up, or after this long (real ms). Default 10 s. */
  readonly readyTimeoutMs?: number;
}

export interface DemoRouterInfo {
  readonly name: string;
  readonly sysName: string;
  readonly role: 'leaf' | 'border';
  readonly asn: number;
  /** The BMP source address (the collector's router id). */
  readonly address: string;
  readonly peers: readonly { readonly name: string; readonly address: string; readonly asn: number }[];
}

export interface DemoFabric {
  readonly inventory: Inventory;
  /** The same inventory as YAML (what deploy/inventory.demo.yaml holds for the default sources). */
  readonly inventoryYaml: string;
  readonly routers: readonly DemoRouterInfo[];
  readonly story: DemoStory;
  /** Resolves when the script starts (every router connected once, or the ready timeout passed), or at stop(). */
  readonly started: Promise<void>;
  /** Resolves when the last scripted change has run (after it, only Statistics Reports), or at stop(). */
  readonly scriptDone: Promise<void>;
  /** Per router: BMP sessions opened, messages sent, whether it gave up reconnecting. */
  status(): { name: string; connected: boolean; sessions: number; messages: number; gaveUp: boolean }[];
  /** Clears every timer, sends Termination, closes every socket. Idempotent. */
  stop(): Promise<void>;
}

export function startDemoFabric(opts: DemoFabricOptions): DemoFabric {
  const speed = opts.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`demo: speed must be a positive number, got ${speed}`);
  const seed = opts.seed ?? 1;
  const sources = opts.sources ?? {};
  const plan = demoPlan(seed, sources);
  const log = opts.log;
  const ports = rng(seed ^ 0x5eed);
  const routers = new Map<string, SimRouter>();
  for (const spec of plan.routers) {
    const r = new SimRouter(spec, { host: opts.bmp.host, port: opts.bmp.port, speed, maxRetries: opts.maxRetries ?? 10, log, nextPort: () => 32768 + Math.floor(ports() * 28000) });
    for (const [peer, views] of plan.initial.get(spec.name) ?? []) {
      for (const [view, routes] of Object.entries(views)) r.load(peer, view as 'pre' | 'post' | 'out', routes ?? []);
    }
    routers.set(spec.name, r);
  }

  const timers = new Set<NodeJS.Timeout>();
  const intervals: NodeJS.Timeout[] = [];
  let stopped = false;
  let resolveStarted!: () => void;
  let resolveDone!: () => void;
  const started = new Promise<void>((res) => (resolveStarted = res));
  const scriptDone = new Promise<void>((res) => (resolveDone = res));

  const later = (ms: number, f: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopped) f();
    }, ms);
    timers.add(t);
  };

  const apply = (s: Step): void => {
    const r = routers.get(s.router);
    if (!r) return;
    if (s.note) log?.info({ router: s.router, peer: s.peer, t: s.atS }, `demo: ${s.note}`);
    switch (s.op) {
      case 'announce':
        r.announce(s.peer, s.routes, s.views, postPolicy);
        break;
      case 'withdraw':
        r.withdraw(s.peer, s.routes, s.views);
        break;
      case 'stats':
        r.sendStats(s.peer);
        break;
      case 'max-prefix-teardown':
        r.maxPrefixTeardown(s.peer, s.afi, s.limit);
        break;
    }
  };

  let scriptStarted = false;
  const startScript = (): void => {
    if (scriptStarted || stopped) return;
    scriptStarted = true;
    resolveStarted();
    const t0 = Date.now();
    let i = 0;
    // One timer at a time: steps at the same scaled instant run together, in order.
    const run = (): void => {
      const now = Date.now() - t0;
      while (i < plan.steps.length && ((plan.steps[i] as Step).atS * 1000) / speed <= now) apply(plan.steps[i++] as Step);
      if (i >= plan.steps.length) {
        log?.info({ speed }, 'demo: scripted trouble done; steady state (statistics only) until stopped');
        resolveDone();
        return;
      }
      later(Math.max(0, ((plan.steps[i] as Step).atS * 1000) / speed - (Date.now() - t0)), run);
    };
    run();
    const every = Math.max(20, (plan.story.statsEveryS * 1000) / speed);
    for (const r of routers.values()) intervals.push(setInterval(() => r.sendStats(), every));
  };

  // Start the script when every router has its first session (so nothing scripted is only ever
  // seen as part of a dump), or after the ready timeout, whichever comes first.
  const poll = (): void => {
    if (scriptStarted) return;
    if ([...routers.values()].every((r) => r.sessions > 0)) startScript();
    else later(5, poll);
  };
  later(Math.max(0, opts.readyTimeoutMs ?? 10_000), startScript);
  log?.info(
    { collector: `${opts.bmp.host}:${opts.bmp.port}`, routers: plan.routers.map((r) => `${r.name}@${r.source}`), speed, seed },
    `demo fabric starting: flap storm, pod CIDR leak and prefix-limit pressure within ${Math.ceil((plan.story.endS + 5) / speed)} s`,
  );
  for (const r of routers.values()) r.start();
  poll();

  const inventory = demoInventory(sources);
  return {
    inventory,
    inventoryYaml: demoInventoryYaml(sources),
    routers: plan.routers.map((r) => ({ name: r.name, sysName: r.sysName, role: r.role, asn: r.asn, address: r.source, peers: r.peers.map((p) => ({ name: p.name, address: p.address, asn: p.asn })) })),
    story: plan.story,
    started,
    scriptDone,
    status: () => [...routers.values()].map((r) => ({ name: r.name, connected: r.isConnected, sessions: r.sessions, messages: r.messagesSent, gaveUp: r.gaveUp })),
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const t of intervals) clearInterval(t);
      intervals.length = 0;
      await Promise.all([...routers.values()].map((r) => r.stop()));
      // Nobody awaiting these should hang on a fabric that is gone.
      resolveStarted();
      resolveDone();
    },
  };
}

/** The role's entry: the demo fabric dialling `options.bmp`. */
export function start(deps: { readonly log?: DemoLog }, options: Omit<DemoFabricOptions, 'log'>): Promise<DemoFabric> {
  try {
    return Promise.resolve(startDemoFabric({ ...options, ...(deps.log && { log: deps.log }) }));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
