// The transparency side of the tenant logs: the signed checkpoint of a log, inclusion proofs of
// receipts and consistency proofs between tree sizes (RFC 9162; leaves are the 32 raw bytes of
// each receipt_hash in seq order, leaf_index = seq − 1). For the tenant itself or the admin.
// Trees, proofs and receipts come from the tenant's log object (worker/log/tenant-log.ts), which
// reads O(log n) stored nodes per proof. A response's checkpoint is signed for the log's current
// head; a proof pinned to an older size (tree_size= / to=) carries `checkpoint: null` — verify it
// against the checkpoint you hold. A sharded tenant's logs are addressed with ?shard=k.
import { z } from 'zod';
import type { Receipt } from '../../src/receipts/index.js';
import type { RequestContext } from '../context.js';
import { assertTenantAccess, requirePrincipal } from '../http/auth.js';
import { parseWith, pathParam, queryObject } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';
import { MAX_LOG_SHARDS } from '../log/limits.js';
import { awaitIndex } from '../log/log-directory.js';
import type { TenantLog } from '../log/tenant-log.js';
import { MAX_ID_LENGTH } from '../schemas.js';
import type { ReceiptRow } from '../stores/evidence-store.js';
import { signedCheckpoint } from '../transparency/checkpoints.js';

const size = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const shard = z.coerce.number().int().min(0).max(MAX_LOG_SHARDS - 1).default(0).describe("Which of a sharded tenant's logs; 0, the tenant's original log, by default.");

export const CheckpointQuerySchema = z.object({ shard }).strict();

export const ConsistencyQuerySchema = z
  .object({
    from: size.describe('The older tree size (the checkpoint you hold), at least 1.'),
    to: size.optional().describe("The newer tree size; default: the log's current size (the response then carries its checkpoint)."),
    shard,
  })
  .strict();

export const ProofQuerySchema = z
  .object({
    tree_size: size.optional().describe("Prove against this tree size (from the receipt's seq to the log's size); default: the current size, whose checkpoint the response carries."),
  })
  .strict();

const NO_STORE = { 'cache-control': 'no-store' };

function rangeInvalid(message: string): HallHttpError {
  return new HallHttpError(400, 'LOG_RANGE_INVALID', message);
}

/** The log of a tenant's shard (a shard above the current count stays readable, as for GET /receipts). */
async function logOf(ctx: RequestContext, tenantId: string, k: number): Promise<TenantLog> {
  const shards = await ctx.runtime.logs.shardsOf(ctx, tenantId);
  return ctx.runtime.logs.open(ctx, tenantId, k, Math.max(shards, k + 1));
}

/** The tenant named in the path, for its own token or the admin. */
async function tenantInPath(ctx: RequestContext): Promise<string> {
  const p = await requirePrincipal(ctx);
  const tenant = pathParam(ctx.params, 'tenant_id');
  if (tenant.length === 0 || tenant.length > MAX_ID_LENGTH) throw new HallHttpError(404, 'NOT_FOUND', 'No tenant log at this path: name a tenant id of 1 to 256 characters.');
  assertTenantAccess(p, tenant);
  return tenant;
}

/** GET /wcp/log/:tenant_id/checkpoint[?shard=k] → the signed note of the log's current tree head (text/plain). */
export async function getCheckpoint(ctx: RequestContext): Promise<Response> {
  const tenant = await tenantInPath(ctx);
  const q = parseWith(CheckpointQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const head = await (await logOf(ctx, tenant, q.shard)).treeHead();
  const cp = await signedCheckpoint(ctx, tenant, q.shard, head);
  return new Response(cp.note, { headers: { 'content-type': 'text/plain; charset=utf-8', ...NO_STORE } });
}

/** GET /wcp/log/:tenant_id/consistency?from=M[&to=N][&shard=k] → RFC 9162 PROOF(M, D[0:N]). */
export async function getConsistency(ctx: RequestContext): Promise<Response> {
  const tenant = await tenantInPath(ctx);
  const q = parseWith(ConsistencyQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const log = await logOf(ctx, tenant, q.shard);
  const head = await log.treeHead();
  const to = q.to ?? head.size;
  if (to > head.size) throw rangeInvalid(`The log has ${head.size} leaves: 'to' can be at most ${head.size}.`);
  if (q.from > to) throw rangeInvalid(`'from' (${q.from}) is larger than 'to' (${to}): a log never shrinks. If you hold a checkpoint larger than the log, the log was truncated.`);
  const hashes = await log.consistencyProof(q.from, to);
  const checkpoint = to === head.size ? (await signedCheckpoint(ctx, tenant, q.shard, head)).note : null;
  return jsonResponse({ from: q.from, to, hashes, checkpoint }, 200, NO_STORE);
}

const receiptNotFound = () => new HallHttpError(404, 'RECEIPT_NOT_FOUND', 'No receipt with this id is visible to this token. Check the id and the tenant.');

/**
 * A tenant's receipt by id, read from its log: the shard the D1 index row names, or — for a receipt
 * the index has not caught up with (no row) — each of the tenant's logs in turn.
 */
async function findReceipt(ctx: RequestContext, tenantId: string, receiptId: string, row: ReceiptRow | null): Promise<{ receipt: Receipt; log: TenantLog; shard: number } | null> {
  const indexedShard = row && row.tenant_id === tenantId ? ((JSON.parse(row.receipt_json) as { shard?: unknown }).shard ?? 0) : null;
  const shards = await ctx.runtime.logs.shardsOf(ctx, tenantId);
  const candidates = typeof indexedShard === 'number' ? [indexedShard] : Array.from({ length: shards }, (_, k) => k);
  for (const k of candidates) {
    const log = ctx.runtime.logs.open(ctx, tenantId, k, Math.max(shards, k + 1));
    const receipt = await log.receiptById(receiptId);
    if (receipt && receipt.tenant_id === tenantId) return { receipt, log, shard: k };
  }
  return null;
}

/** GET /receipts/:receipt_id/proof[?tree_size=N] → the receipt's inclusion proof and the checkpoint it leads to. */
export async function getReceiptProof(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  const receiptId = pathParam(ctx.params, 'receipt_id');
  if (receiptId.length === 0 || receiptId.length > MAX_ID_LENGTH) throw receiptNotFound();
  const q = parseWith(ProofQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  if (p.kind === 'approver') throw new HallHttpError(403, 'TENANT_FORBIDDEN', "Inclusion proofs are for the receipt's tenant or the admin. Use the tenant's own token or the admin token.");
  // A tenant reads its own logs; the admin finds the receipt's tenant in the D1 index, once the
  // logs this isolate wrote lately have fed it (as admin GET /receipts/:id does).
  if (p.kind !== 'tenant') await awaitIndex(ctx, null);
  const row = await ctx.stores.evidence.getReceipt(receiptId);
  const tenant = p.kind === 'tenant' ? p.id : row?.tenant_id;
  // Another tenant's receipt is reported as absent, not forbidden: ids are not an oracle.
  const found = tenant === undefined ? null : await findReceipt(ctx, tenant, receiptId, row);
  if (!found) throw receiptNotFound();
  const { receipt, log, shard: k } = found;
  const head = await log.treeHead();
  const treeSize = q.tree_size ?? head.size;
  if (treeSize < receipt.seq || treeSize > head.size) {
    throw rangeInvalid(`Receipt seq ${receipt.seq} is in the trees of ${receipt.seq} to ${head.size} leaves: ask for a tree_size in that range.`);
  }
  const hashes = await log.inclusionProof(receipt.seq - 1, treeSize);
  const checkpoint = treeSize === head.size ? (await signedCheckpoint(ctx, tenant!, k, head)).note : null;
  return jsonResponse({ receipt_id: receipt.receipt_id, leaf_index: receipt.seq - 1, tree_size: treeSize, hashes, checkpoint }, 200, NO_STORE);
}
