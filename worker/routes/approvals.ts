// Human approvals (spec 5.8): list pending ones, read one, resolve one (approve | deny | escalate).
// Resolving needs the admin token or an approver token covering the tenant — a tenant cannot
// approve its own requests.
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { approverCovers, principalLabel, requirePrincipal, type Principal } from '../http/auth.js';
import { parseWith, pathParam, queryObject, readJson } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';
import type { ApprovalRow } from '../stores/evidence-store.js';
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

export function approvalView(row: ApprovalRow, nowMs = Date.now()): Record<string, unknown> {
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
  return jsonResponse(approvalView(await visibleApproval(ctx, p)));
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
  const update = {
    resolved_at: new Date(now).toISOString(),
    resolved_by: principalLabel(p),
    note: body.reason ?? null,
  };
  let ok: boolean;
  if (body.decision === 'escalate') {
    // Spec 5.8: escalation hands the decision up (gatekeeper → incident_commander); it stays pending.
    if (row.supervisor_level === 'incident_commander') {
      throw new HallHttpError(409, 'APPROVAL_CANNOT_ESCALATE', 'This approval is already at incident_commander, the highest level. Approve or deny it.');
    }
    ok = await ctx.stores.evidence.resolveApproval(row.approval_id, now, { ...update, status: 'pending', supervisor_level: 'incident_commander' });
  } else {
    ok = await ctx.stores.evidence.resolveApproval(row.approval_id, now, { ...update, status: body.decision === 'approve' ? 'approved' : 'denied' });
  }
  if (!ok) throw new HallHttpError(409, 'APPROVAL_ALREADY_RESOLVED', 'Another approver resolved this approval first. Read it again with GET /wcp/approvals/:id.');
  const fresh = await ctx.stores.evidence.getApproval(row.approval_id);
  return jsonResponse(approvalView(fresh ?? row, now));
}
