// The decision log and the receipt chains (read side).
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { approverCovers, assertTenantAccess, requirePrincipal, type Principal } from '../http/auth.js';
import { parseWith, pathParam, queryObject } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';
import type { DecisionListRow, DecisionRow, ReceiptRow } from '../stores/evidence-store.js';
import { MAX_ID_LENGTH } from '../schemas.js';
import { awaitIndex } from '../log/log-directory.js';
import { MAX_LOG_SHARDS } from '../log/tenant-log.js';

const id = z.string().min(1).max(MAX_ID_LENGTH);
const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());
const bool = z.enum(['true', 'false']).transform((s) => s === 'true');

export const DecisionsQuerySchema = z
  .object({
    tenant_id: id.optional(),
    capability_id: id.optional(),
    worker_species_id: id.optional(),
    denied: bool.optional(),
    deny_code: z.string().regex(/^[A-Z][A-Z0-9_]{0,99}$/, 'must be a deny code such as DENY_NO_MATCHING_RULE').optional(),
    since: isoTime.optional(),
    until: isoTime.optional(),
    cursor: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be the next_cursor of a previous page').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const ReceiptsQuerySchema = z
  .object({
    tenant_id: id,
    after_seq: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** Which of a sharded tenant's logs (each its own chain); 0, the tenant's original log, by default. */
    shard: z.coerce.number().int().min(0).max(MAX_LOG_SHARDS - 1).default(0),
  })
  .strict();

function encodeCursor(rowId: number): string {
  return btoa(`d:${rowId}`).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function decodeCursor(cursor: string): number {
  let text = '';
  try {
    text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    text = '';
  }
  const m = /^d:(\d{1,15})$/.exec(text);
  if (!m) throw new HallHttpError(400, 'INVALID_QUERY', 'The cursor is not one this Hall issued. Use the next_cursor of a previous page.');
  return Number(m[1]);
}

/** The tenants a principal may read, or null for all (admin). */
function readableTenants(p: Principal): string[] | null {
  if (p.kind === 'admin') return null;
  if (p.kind === 'tenant') return [p.id];
  return p.tenants.includes('*') ? null : p.tenants;
}

function canRead(p: Principal, tenantId: string): boolean {
  return p.kind === 'admin' || (p.kind === 'tenant' && p.id === tenantId) || approverCovers(p, tenantId);
}

function decisionView(row: DecisionRow): Record<string, unknown> {
  return {
    decision_id: row.decision_id,
    tenant_id: row.tenant_id,
    correlation_id: row.correlation_id,
    capability_id: row.capability_id,
    env: row.env,
    data_label: row.data_label,
    selected_worker_species_id: row.selected_worker_species_id,
    denied: row.denied,
    deny_code: row.deny_code,
    matched_rule_id: row.matched_rule_id,
    rules_version: row.rules_version,
    approval_id: row.approval_id,
    receipt_id: row.receipt_id,
    receipt_seq: row.receipt_seq,
    created_at: row.created_at,
    decision: JSON.parse(row.decision_json) as unknown,
  };
}

export async function listDecisions(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const q = parseWith(DecisionsQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const readable = readableTenants(p);
  let tenant = q.tenant_id;
  if (tenant !== undefined) {
    if (!canRead(p, tenant)) assertTenantAccess(p, tenant, true);
  } else if (readable !== null) {
    if (readable.length !== 1) {
      throw new HallHttpError(400, 'INVALID_QUERY', 'This token can read several tenants; name one with tenant_id=.');
    }
    tenant = readable[0];
  }
  // The index trails the tenant logs by a few ms: let the logs this read covers catch up first.
  await awaitIndex(ctx, tenant ?? null);
  const rows: DecisionListRow[] = await ctx.stores.evidence.listDecisions({
    tenant_id: tenant,
    capability_id: q.capability_id,
    worker_species_id: q.worker_species_id,
    denied: q.denied,
    deny_code: q.deny_code,
    since: q.since,
    until: q.until,
    before_id: q.cursor !== undefined ? decodeCursor(q.cursor) : undefined,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return jsonResponse({
    decisions: page.map(decisionView),
    next_cursor: rows.length > q.limit && last ? encodeCursor(last.id) : null,
  });
}

const notFound = (what: string) => new HallHttpError(404, `${what.toUpperCase()}_NOT_FOUND`, `No ${what} with this id is visible to this token. Check the id and the tenant.`);

export async function getDecision(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const decisionId = ctx.params['decision_id'] ?? '';
  if (decisionId.length > MAX_ID_LENGTH) throw notFound('decision');
  await awaitIndex(ctx, p.kind === 'tenant' ? p.id : null);
  const row = await ctx.stores.evidence.getDecision(pathParam(ctx.params, 'decision_id'));
  // Another tenant's decision is reported as absent, not forbidden: ids are not an oracle.
  if (!row || !canRead(p, row.tenant_id)) throw notFound('decision');
  return jsonResponse(decisionView(row));
}

function receiptOf(row: ReceiptRow): unknown {
  return JSON.parse(row.receipt_json) as unknown;
}

export async function getReceipt(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const receiptId = ctx.params['receipt_id'] ?? '';
  if (receiptId.length > MAX_ID_LENGTH) throw notFound('receipt');
  const id = pathParam(ctx.params, 'receipt_id');
  if (p.kind === 'tenant') {
    // A tenant's own receipt comes from its logs (exact, whatever the index lag).
    for (const log of await ctx.runtime.logs.all(ctx, p.id)) {
      const receipt = await log.receiptById(id);
      if (receipt) return jsonResponse({ receipt });
    }
    throw notFound('receipt');
  }
  await awaitIndex(ctx, null);
  const row = await ctx.stores.evidence.getReceipt(id);
  if (!row || !canRead(p, row.tenant_id)) throw notFound('receipt');
  return jsonResponse({ receipt: receiptOf(row) });
}

export async function listReceipts(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const q = parseWith(ReceiptsQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  if (!canRead(p, q.tenant_id)) assertTenantAccess(p, q.tenant_id, true);
  // Chain segments are served by the tenant's log itself: exact, never behind the index.
  const shards = await ctx.runtime.logs.shardsOf(ctx, q.tenant_id);
  const receipts = await ctx.runtime.logs.open(ctx, q.tenant_id, q.shard, Math.max(shards, q.shard + 1)).listReceipts(q.after_seq, q.limit);
  const last = receipts[receipts.length - 1];
  return jsonResponse({
    tenant_id: q.tenant_id,
    ...(shards > 1 || q.shard > 0 ? { shard: q.shard, shards } : {}),
    receipts,
    next_after_seq: receipts.length === q.limit && last ? last.seq : null,
  });
}
