// GET /admin/log: a segment of the signed admin log, oldest first (admin token only). Verify it
// with verifyAdminLog (edgehall) against /.well-known/wcp-keys.json.
import { z } from 'zod';
import { readAdminLog } from '../admin-log.js';
import type { RequestContext } from '../context.js';
import { requireAdmin } from '../http/auth.js';
import { parseWith, queryObject } from '../http/body.js';
import { jsonResponse } from '../http/problem.js';

export const AdminLogQuerySchema = z
  .object({
    after_seq: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export async function getAdminLog(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  const q = parseWith(AdminLogQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const entries = await readAdminLog(ctx.env.HALL_DB, q.after_seq, q.limit);
  const last = entries[entries.length - 1];
  return jsonResponse({ entries, next_after_seq: entries.length === q.limit && last ? last.seq : null });
}
