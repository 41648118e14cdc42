// Outcome evidence: one signed record per dispatch, linked to the decision's receipt, appended to
// D1 (worker/stores/outcome-store.ts). Signed with the Hall's receipt key, in the receipts' way.
import { buildOutcome, signOutcome, type OutcomeRecord } from '../../src/receipts/outcome.js';
import { DispatchTargetSchema } from '../../src/routing/index.js';
import type { RequestContext } from '../context.js';
import type { RecordedDecision } from '../decision/decide-and-record.js';
import { D1OutcomeStore, type OutcomeStore } from '../stores/outcome-store.js';
import type { DispatchOutcome } from './types.js';

export function outcomeStoreOf(ctx: RequestContext): OutcomeStore {
  return ctx.stores.outcomes ?? new D1OutcomeStore(ctx.env.HALL_DB);
}

/** The kind of target the selected worker's own record names (null: none). */
function targetKindOf(recorded: RecordedDecision): OutcomeRecord['target_kind'] {
  const record = recorded.workerId === null ? undefined : recorded.snapshot.workers.get(recorded.workerId);
  const t = DispatchTargetSchema.safeParse(record?.['dispatch']);
  return t.success ? t.data.kind : null;
}

/** Builds, signs and durably appends the outcome of `recorded`'s dispatch. Throws when it is not durable. */
export async function recordOutcome(ctx: RequestContext, recorded: RecordedDecision, outcome: DispatchOutcome): Promise<OutcomeRecord> {
  const signer = await ctx.runtime.signer.get(ctx.env.HALL_SIGNING_KEY);
  const { receipt } = recorded;
  const ok = outcome.status === 'ok' && outcome.result !== null;
  const unsigned = buildOutcome({
    decision_id: recorded.decision.decision_id,
    receipt_id: receipt.receipt_id,
    receipt_hash: receipt.receipt_hash,
    tenant_id: receipt.tenant_id,
    worker_id: recorded.workerId,
    capability_id: receipt.capability_id,
    target_kind: targetKindOf(recorded),
    status: ok ? 'ok' : 'failed',
    error_code: ok ? null : (outcome.errorCode ?? 'DISPATCH_HALL_ERROR'),
    http_status: outcome.httpStatus,
    duration_ms: outcome.durationMs,
    result_sha256: outcome.resultSha256,
    result_is_error: ok ? outcome.result!.isError === true : null,
    signing_key_id: signer.kid,
  });
  const signed = await signOutcome(unsigned, signer.ed);
  await outcomeStoreOf(ctx).append(signed);
  return signed;
}
