/**
 * The Kubernetes names for API rows (cluster, node, Service), built once per intent snapshot.
 */
import { RouteLabels } from '../kubernetes/index.js';
import type { IntentSnapshot } from '../kubernetes/index.js';
import type { ApiContext } from './context.js';

const cache = new WeakMap<IntentSnapshot, RouteLabels>();

/** Labels for the intent in force; undefined when no cluster is known. */
export async function routeLabels(ctx: ApiContext): Promise<RouteLabels | undefined> {
  const snap = await ctx.kubernetes();
  if (!snap || snap.intents.length === 0) return undefined;
  let l = cache.get(snap);
  if (!l) {
    l = new RouteLabels(snap.intents);
    cache.set(snap, l);
  }
  return l;
}
