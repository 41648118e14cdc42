// Human approvals (spec 5.8): list pending ones, read one (with its history), resolve one
// (approve | deny | escalate). Resolving needs the admin token or an approver token covering the
// tenant — a tenant cannot approve its own requests — and an approver decides only approvals at or
// below its own supervisor level; `escalate` hands one up the ladder (worker/approvals.ts) where a
// higher-level approver must decide it. Every change is an event in the approval's append-only
// history, written in the same D1 batch.
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { approverCovers, principalLabel, requirePrincipal, type Principal } from '../http/auth.js';
import { parseWith, pathParam, queryObject, readJson } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';
import { ESCALATES_TO, isSupervisorLevel, levelRank } from '../approvals.js';
import type { ApprovalEventRow, ApprovalRow } from '../stores/evidence-store.js';
import { MAX_ID_LENGTH } from '../schemas.js';

export const PendingQuerySchema = z
  .object({
    tenant_id: z.string().min(1).max(MAX_ID_LENGTH).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export const ResolveBodySchema = z
  .object({
    decision: z.enum(['approve', 'deny', 'escalate']),
    reason: z.string().max(500).optional(),
  })
  .strict();

function canSee(p: Principal, tenantId: string): boolean {
  return p.kind === 'admin' || (p.kind === 'tenant' && p.id === tenantId) || approverCovers(p, tenantId);
}

export function approvalView(row: ApprovalRow, nowMs = Date.now(), history?: readonly ApprovalEventRow[]): Record<string, unknown> {
  let context: unknown = {};
  try {
    context = JSON.parse(row.escalation_context);
  } catch {
    context = {};
  }
  const expired = row.expires_ms <= nowMs && (row.status === 'pending' || row.status === 'approved');
  return {
    approval_id: row.approval_id,
    tenant_id: row.tenant_id,
    decision_id: row.decision_id,
    correlation_id: row.correlation_id,
    capability_id: row.capability_id,
    env: row.env,
    data_label: row.data_label,
    supervisor_level: row.supervisor_level,
    status: expired ? 'expired' : row.status,
    reason: row.reason,
    escalation_context: context,
    created_at: row.created_at,
    expires_at: row.expires_at,
    resolved_at: row.resolved_at,
    resolved_by: row.resolved_by,
    resolution_note: row.resolution_note,
    used_by_decision_id: row.used_by_decision_id,
    used_at: row.used_at,
    ...(history
      ? { history: history.map((e) => ({ seq: e.seq, action: e.action, from_level: e.from_level, to_level: e.to_level, actor: e.actor, at: e.at, note: e.note })) }
      : {}),
  };
}

export async function pendingApprovals(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const q = parseWith(PendingQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  let tenants: string[] | null;
  if (q.tenant_id !== undefined) {
    if (!canSee(p, q.tenant_id)) throw new HallHttpError(403, 'TENANT_FORBIDDEN', 'This token may not read that tenant\'s approvals. Use the tenant\'s token, an approver token for it, or the admin token.');
    tenants = [q.tenant_id];
  } else if (p.kind === 'admin' || (p.kind === 'approver' && p.tenants.includes('*'))) tenants = null;
  else if (p.kind === 'tenant') tenants = [p.id];
  else tenants = p.tenants;
  const now = Date.now();
  const rows = await ctx.stores.evidence.listPendingApprovals(now, tenants, q.limit);
  return jsonResponse({ approvals: rows.map((r) => approvalView(r, now)) });
}

const notFound = () => new HallHttpError(404, 'APPROVAL_NOT_FOUND', 'No approval with this id is visible to this token. Check the id from the REQUIRE_HUMAN decision.');

async function visibleApproval(ctx: RequestContext, p: Principal): Promise<ApprovalRow> {
  const id = pathParam(ctx.params, 'approval_id');
  if (!z.uuid().safeParse(id).success) throw notFound();
  const row = await ctx.stores.evidence.getApproval(id);
  if (!row || !canSee(p, row.tenant_id)) throw notFound();
  return row;
}

export async function getApproval(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const row = await visibleApproval(ctx, p);
  return jsonResponse(approvalView(row, Date.now(), await ctx.stores.evidence.getApprovalHistory(row.approval_id)));
}

export async function resolveApproval(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const body = parseWith(ResolveBodySchema, await readJson(ctx.request, 16 * 1024), 'The resolution');
  const row = await visibleApproval(ctx, p);
  if (p.kind === 'tenant') {
    throw new HallHttpError(403, 'APPROVER_REQUIRED', 'Tenants cannot resolve approvals (not even their own). Use an approver token or the admin token.');
  }
  const now = Date.now();
  if (row.status !== 'pending') {
    throw new HallHttpError(409, 'APPROVAL_ALREADY_RESOLVED', `This approval is already ${row.status}. A new request opens a new approval.`);
  }
  if (row.expires_ms <= now) {
    throw new HallHttpError(410, 'APPROVAL_EXPIRED', 'This approval expired before it was resolved. The requester must submit the request again to open a new one.');
  }
  const level = row.supervisor_level;
  // Approve, deny and escalate alike need authority at the approval's level (the admin has all).
  if (p.kind === 'approver' && levelRank(level) > levelRank(p.level)) {
    throw new HallHttpError(
      403,
      'APPROVER_LEVEL_TOO_LOW',
      `This approval is at supervisor level ${level}; this approver may decide up to ${p.level}. An approver of level ${level} (or the admin) must resolve it.`,
      { supervisor_level: level, approver_level: p.level },
    );
  }
  const actor = principalLabel(p);
  const at = new Date(now).toISOString();
  const note = body.reason ?? null;
  let ok: boolean;
  if (body.decision === 'escalate') {
    // The next rung up (spec 5.8: gatekeeper → incident_commander); it stays pending, and nobody
    // has resolved it — resolved_by / resolved_at stay untouched, the history records the step.
    const to = isSupervisorLevel(level) ? ESCALATES_TO[level] : null;
    if (to === null) {
      throw new HallHttpError(409, 'APPROVAL_CANNOT_ESCALATE', `This approval is at ${level}, the top of the escalation ladder. Approve or deny it.`);
    }
    ok = await ctx.stores.evidence.escalateApproval(row.approval_id, now, { from_level: level, to_level: to, actor, at, note });
  } else {
    ok = await ctx.stores.evidence.resolveApproval(row.approval_id, now, {
      status: body.decision === 'approve' ? 'approved' : 'denied',
      expected_level: level,
      resolved_at: at,
      resolved_by: actor,
      note,
    });
  }
  const fresh = await ctx.stores.evidence.getApproval(row.approval_id);
  if (!ok) {
    // Someone changed it between our read and our write: say what happened.
    if (fresh && fresh.status === 'pending' && fresh.expires_ms > now && fresh.supervisor_level !== level) {
      throw new HallHttpError(409, 'APPROVAL_LEVEL_CHANGED', `This approval was escalated to ${fresh.supervisor_level} while you were resolving it. Read it again with GET /wcp/approvals/:id.`);
    }
    if (fresh && fresh.status === 'pending' && fresh.expires_ms <= now) {
      throw new HallHttpError(410, 'APPROVAL_EXPIRED', 'This approval expired before it was resolved. The requester must submit the request again to open a new one.');
    }
    throw new HallHttpError(409, 'APPROVAL_ALREADY_RESOLVED', 'Another approver resolved this approval first. Read it again with GET /wcp/approvals/:id.');
  }
  return jsonResponse(approvalView(fresh ?? row, now, await ctx.stores.evidence.getApprovalHistory(row.approval_id)));
}
