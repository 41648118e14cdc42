// Where the gateway hands an allowed call over, and where its outcome record comes from: the Hall's
// dispatcher (worker/dispatch/dispatch.ts) behind governedDispatcher, which writes the signed outcome
// record before a result may leave. A test may inject its own dispatcher through HallWorkerOptions;
// it is governed the same way, so its outcomes are real records too. The only module of worker/mcp/
// that knows which implementation runs.
import type { OutcomeRecord } from '../../src/receipts/outcome.js';
import type { RequestContext } from '../context.js';
import type { RecordedDecision } from '../decision/decide-and-record.js';
import { dispatchCall } from '../dispatch/dispatch.js';
import { governedDispatcher, outcomeRecordFor } from '../dispatch/governed.js';
import type { DispatchOutcome, Dispatcher } from '../dispatch/types.js';

const HALL_DISPATCHER = governedDispatcher(dispatchCall);
const governedInjected = new WeakMap<Dispatcher, Dispatcher>();

export function dispatcherOf(ctx: RequestContext): Dispatcher {
  const injected = ctx.runtime.dispatcher;
  if (!injected) return HALL_DISPATCHER;
  let governed = governedInjected.get(injected);
  if (!governed) governedInjected.set(injected, (governed = governedDispatcher(injected)));
  return governed;
}

/**
 * The signed outcome record of a call: the one its governed dispatch wrote, else (an outcome the
 * gateway made without dispatching) one written now; null when none could be written.
 */
export function recordOutcomeOf(ctx: RequestContext, recorded: RecordedDecision, outcome: DispatchOutcome): Promise<OutcomeRecord | null> {
  return outcomeRecordFor(ctx, recorded, outcome);
}
