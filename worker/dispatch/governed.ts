// The gateway's dispatcher, governed: dispatch, then the signed outcome record — and a worker's
// result leaves the Hall only once its outcome is durable. worker/mcp/dispatch-port.ts plugs it in.
//
// Fail-closed semantics when the outcome cannot be written: the worker has run (the decision and
// its receipt are on record; a dispatch cannot be undone), but the Hall cannot prove what it
// returned, so the result is withheld: the call fails with DISPATCH_OUTCOME_UNRECORDED (result
// null, no outcome record). Calling the tool again makes a new decision and a new dispatch (a
// worker that is not idempotent runs again), which the message says.
import type { OutcomeRecord } from '../../src/receipts/outcome.js';
import type { RequestContext } from '../context.js';
import type { RecordedDecision } from '../decision/decide-and-record.js';
import { recordOutcome } from './outcome.js';
import type { DispatchOutcome, Dispatcher } from './types.js';

export const DISPATCH_OUTCOME_UNRECORDED = 'DISPATCH_OUTCOME_UNRECORDED';

// The record each governed dispatch wrote, for the gateway's answer (per request objects: no leak).
const written = new WeakMap<RecordedDecision, OutcomeRecord>();

function unrecorded(outcome: DispatchOutcome, decisionId: string): DispatchOutcome {
  return {
    ...outcome,
    status: 'failed',
    errorCode: DISPATCH_OUTCOME_UNRECORDED,
    message:
      'The worker was called, but the Hall could not record what it returned, so the result is withheld (no result leaves the Hall without evidence). ' +
      `The decision ${decisionId} and its receipt are on record. Calling the tool again makes a new decision and runs the worker again.`,
    result: null,
  };
}

/** `inner`, followed by its outcome record; a result whose outcome is not durable is withheld. */
export function governedDispatcher(inner: Dispatcher): Dispatcher {
  return async (ctx, call) => {
    const outcome = await inner(ctx, call);
    try {
      written.set(call.recorded, await recordOutcome(ctx, call.recorded, outcome));
      return outcome;
    } catch {
      return unrecorded(outcome, call.recorded.decision.decision_id);
    }
  };
}

/**
 * The signed outcome record of `recorded`: the one its governed dispatch wrote, else (an outcome the
 * gateway made itself, e.g. a call it did not dispatch) one written now; null when none could be.
 */
export async function outcomeRecordFor(ctx: RequestContext, recorded: RecordedDecision, outcome: DispatchOutcome): Promise<OutcomeRecord | null> {
  const done = written.get(recorded);
  if (done) return done;
  if (outcome.errorCode === DISPATCH_OUTCOME_UNRECORDED) return null;
  try {
    const record = await recordOutcome(ctx, recorded, outcome);
    written.set(recorded, record);
    return record;
  } catch {
    return null;
  }
}
