// The snapshot a request decides on: cached per isolate, re-validated against the stores at most
// every HALL_CONFIG_CHECK_MS (the documented bound for changes made through other isolates).
import type { RequestContext } from './context.js';
import { configCheckMs } from './env.js';
import type { HallSnapshot } from './snapshot.js';

export function currentSnapshot(ctx: RequestContext): Promise<HallSnapshot> {
  return ctx.runtime.snapshots.get(ctx.stores, configCheckMs(ctx.env));
}
