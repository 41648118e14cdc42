// The CallToolResult a tools/call answers with, for each way a call can end. Every result carries
// `_meta["org.edgehall/wcp"]` = {decision_id, denied, deny_code, receipt, …}; a denial, a human gate,
// a refusal on the evidence path and a failed dispatch are results with `isError: true` (clients hide
// or retry JSON-RPC errors, and the model should read why). Pure assembly, no I/O.
import type { Receipt } from '../../src/receipts/index.js';
import type { OutcomeRecord } from '../../src/receipts/outcome.js';
import type { RecordedDecision } from '../decision/decide-and-record.js';
import { REQUIRES_APPROVAL } from '../decision/evidence-record.js';
import type { DispatchOutcome } from '../dispatch/types.js';
import type { HallHttpError } from '../http/problem.js';
import { WCP_META_KEY } from './wcp-meta.js';

export type CallToolResult = {
  content: unknown[];
  structuredContent?: unknown;
  isError?: boolean;
  _meta: Record<string, unknown>;
};

/** What the gateway reports about a call in `_meta["org.edgehall/wcp"]`. */
export interface WcpResultMeta {
  decision_id: string | null;
  denied: boolean;
  deny_code: string | null;
  /** The signed receipt exactly as /route returns it (null when nothing was recorded). */
  receipt: Receipt | null;
  artifact_hash: string | null;
  correlation_id: string | null;
  selected_worker_id: string | null;
  dry_run: boolean;
  [extra: string]: unknown;
}

const text = (t: string) => ({ type: 'text', text: t });

function decisionMeta(r: RecordedDecision): WcpResultMeta {
  const d = r.decision;
  return {
    decision_id: d.decision_id,
    denied: d.denied,
    deny_code: d.denied ? (d.deny_reason_if_denied?.code ?? 'DENY_UNKNOWN') : null,
    receipt: r.receipt,
    artifact_hash: d.artifact_hash,
    correlation_id: d.correlation_id,
    selected_worker_id: r.workerId,
    dry_run: d.dry_run,
  };
}

/** The gateway's key is always its own: a worker's `_meta` keeps its other keys only. */
function withMeta(result: Omit<CallToolResult, '_meta'>, meta: WcpResultMeta, workerMeta: Record<string, unknown> = {}): CallToolResult {
  return { ...result, _meta: { ...workerMeta, [WCP_META_KEY]: meta } };
}

/** A decision the engine denied (including a human gate, which opens an approval). */
export function deniedResult(r: RecordedDecision): CallToolResult {
  const meta = decisionMeta(r);
  const message = r.decision.deny_reason_if_denied?.message ?? 'The Hall denied this call.';
  if (meta.deny_code === REQUIRES_APPROVAL) return approvalRequiredResult(r, meta, message);
  return withMeta({ content: [text(`${meta.deny_code}: ${message}`)], isError: true }, meta);
}

function approvalRequiredResult(r: RecordedDecision, meta: WcpResultMeta, message: string): CallToolResult {
  const d = r.decision;
  const id = d.pending_approval_id ?? null;
  const approval = {
    pending_approval_id: id,
    supervisor_level: d.supervisor_level ?? null,
    approval_expires_at: d.approval_expires_at ?? null,
    approval_resolve_endpoint: d.approval_resolve_endpoint ?? null,
  };
  const how = id
    ? ` Approval ${id} is pending (supervisor level ${approval.supervisor_level}) until ${approval.approval_expires_at}. ` +
      `An approver resolves it with POST /wcp/approvals/${id}/resolve {"decision": "approve"}; then call this tool again with the same arguments and ` +
      `_meta["${WCP_META_KEY}"].approval_id = "${id}".`
    : ' This was a dry run, so no approval was opened; call without dry_run to open one.';
  return withMeta({ content: [text(`${REQUIRES_APPROVAL}: ${message}${how}`)], isError: true }, { ...meta, ...approval });
}

/** An allowed dry run: decided and receipted, nothing dispatched. */
export function dryRunResult(r: RecordedDecision): CallToolResult {
  const who = r.workerId ? `worker ${r.workerId}` : 'the selected worker';
  return withMeta({ content: [text(`Dry run: ${r.decision.capability_id} would be allowed and dispatched to ${who}. Nothing was dispatched.`)] }, decisionMeta(r));
}

/** An allowed call after dispatch: the worker's own result, or an isError with the DISPATCH_* code. */
export function dispatchedResult(r: RecordedDecision, outcome: DispatchOutcome, outcomeRecord: OutcomeRecord | null): CallToolResult {
  const meta: WcpResultMeta = {
    ...decisionMeta(r),
    outcome: outcomeRecord ?? null,
    dispatch: { status: outcome.status, error_code: outcome.errorCode, http_status: outcome.httpStatus, duration_ms: outcome.durationMs, result_sha256: outcome.resultSha256 },
  };
  if (outcome.status === 'ok' && outcome.result) {
    const w = outcome.result;
    return withMeta(
      {
        content: w.content,
        ...(w.structuredContent !== undefined ? { structuredContent: w.structuredContent } : {}),
        ...(w.isError ? { isError: true } : {}),
      },
      meta,
      w._meta,
    );
  }
  const code = outcome.errorCode ?? 'DISPATCH_FAILED';
  const why = outcome.message ?? 'The worker did not return a usable result.';
  return withMeta({ content: [text(`${code}: ${why} The decision ${r.decision.decision_id} and this outcome are recorded.`)], isError: true }, meta);
}

/**
 * The shared decide-and-receipt path refused the call (approval pending/mismatched/used, evidence
 * store unavailable, …): nothing was recorded, so there is no receipt; the code says what to do.
 */
export function refusedResult(err: HallHttpError, correlationId: string | null, dryRun: boolean): CallToolResult {
  return withMeta(
    { content: [text(`${err.code}: ${err.message}`)], isError: true },
    { decision_id: null, denied: true, deny_code: err.code, receipt: null, artifact_hash: null, correlation_id: correlationId, selected_worker_id: null, dry_run: dryRun, http_status: err.status },
  );
}
