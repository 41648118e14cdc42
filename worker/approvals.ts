// Human approvals (spec 5.8) on the decision path: opening one for a REQUIRE_HUMAN decision and
// checking one that a re-submitted request cites.
import { artifactHashPreimage, blastHeuristic, type RouteDecision, type RouteInput } from '../src/routing/index.js';
import { sha256Hex } from '../src/util/index.js';
import { HallHttpError } from './http/problem.js';
import type { ApprovalRow, EvidenceStore } from './stores/evidence-store.js';

export { DEFAULT_APPROVER_LEVEL, ESCALATES_TO, SUPERVISOR_LEVELS, isSupervisorLevel, levelRank, type SupervisorLevel } from './supervisor-levels.js';

/**
 * What "the same request" means for an approval: every RouteInput field except correlation_id
 * (a retry may carry a new one) and dry_run.
 */
export function requestFingerprint(input: RouteInput): string {
  return sha256Hex(artifactHashPreimage({ ...input, correlation_id: '', dry_run: false }));
}

export function approvalTtlMs(raw: string | undefined): number {
  const minutes = raw !== undefined && /^\d{1,6}$/.test(raw) ? Number(raw) : 60;
  return Math.max(1, minutes) * 60_000;
}

/** The approval row a REQUIRE_HUMAN decision opens (written in the same batch as the decision). */
export function openApprovalFor(input: RouteInput, decision: RouteDecision, nowMs: number, ttlMs: number): ApprovalRow {
  const reason = decision.deny_reason_if_denied ?? { code: '', message: '' };
  const level = typeof reason['supervisor_level'] === 'string' ? reason['supervisor_level'] : 'gatekeeper';
  const escalation_context = {
    capability_id: input.capability_id,
    env: input.env,
    data_label: input.data_label,
    tenant_risk: input.tenant_risk,
    qos_class: input.qos_class,
    blast_score: Math.max(blastHeuristic(input), input.blast_score ?? 0),
    policy_version: reason['policy_version'] ?? null,
    reason: reason['reason'] ?? null,
  };
  const created = new Date(nowMs);
  const expires = new Date(nowMs + ttlMs);
  return {
    approval_id: crypto.randomUUID(),
    tenant_id: input.tenant_id,
    decision_id: decision.decision_id,
    correlation_id: input.correlation_id,
    capability_id: input.capability_id,
    env: input.env,
    data_label: input.data_label,
    request_fingerprint: requestFingerprint(input),
    supervisor_level: level,
    status: 'pending',
    reason: typeof reason['reason'] === 'string' ? reason['reason'] : null,
    escalation_context: JSON.stringify(escalation_context),
    created_at: created.toISOString(),
    expires_at: expires.toISOString(),
    expires_ms: expires.getTime(),
    resolved_at: null,
    resolved_by: null,
    resolution_note: null,
    used_by_decision_id: null,
    used_at: null,
  };
}

/** Refuses an approval the request may not use; returns it when it is approved, open and matching. */
export async function checkCitedApproval(evidence: EvidenceStore, approvalId: string, input: RouteInput, nowMs: number): Promise<ApprovalRow> {
  const row = await evidence.getApproval(approvalId);
  // Another tenant's approval is reported as unknown: its existence is not this caller's business.
  if (!row || row.tenant_id !== input.tenant_id) {
    throw new HallHttpError(404, 'APPROVAL_NOT_FOUND', 'No approval with this approval_id exists for this tenant. Check the id from the REQUIRE_HUMAN decision.');
  }
  if (row.request_fingerprint !== requestFingerprint(input)) {
    throw new HallHttpError(409, 'APPROVAL_MISMATCH', 'The approval was granted for a different request. Re-submit exactly the request that was approved (only correlation_id may differ).');
  }
  if (row.status === 'used') {
    throw new HallHttpError(409, 'APPROVAL_ALREADY_USED', 'This approval has already been used once. Submit the request without approval_id to open a new one.');
  }
  if (row.expires_ms <= nowMs) {
    throw new HallHttpError(410, 'APPROVAL_EXPIRED', 'This approval has expired. Submit the request without approval_id to open a new one.');
  }
  if (row.status === 'pending') {
    throw new HallHttpError(409, 'APPROVAL_PENDING', 'This approval has not been resolved yet. Wait for an approver to approve it, then retry.');
  }
  if (row.status === 'denied') {
    throw new HallHttpError(409, 'APPROVAL_DENIED', 'An approver denied this request. Do not retry it with this approval_id.');
  }
  return row;
}
