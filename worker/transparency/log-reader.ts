// The read side of a tenant log that the transparency endpoints use: tree heads, RFC 9162 proofs
// and receipts by id — the subset of worker/log/tenant-log.ts's TenantLog they need. This file is
// the one switch between the two places a log lives: the tenant's Durable Object when the HALL_LOG
// binding exists (O(log n) stored nodes per proof), else the interim reader over the D1 receipts
// table (d1-log-reader.ts, bounded by D1_LOG_MAX_LEAVES).
import type { RequestContext } from '../context.js';
import { tenantLog, type TenantLog } from '../log/tenant-log.js';
import { d1LogReader } from './d1-log-reader.js';

export type LogReader = Pick<TenantLog, 'treeHead' | 'inclusionProof' | 'consistencyProof' | 'receiptById'>;

/** The log of `tenantId` (its only log, shard 0, until sharded reads are wired). */
export function logReader(ctx: RequestContext, tenantId: string): LogReader {
  return ctx.env.HALL_LOG ? tenantLog(ctx.env, tenantId) : d1LogReader(ctx, tenantId);
}
