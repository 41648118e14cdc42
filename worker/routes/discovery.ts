// Discovery (spec 5.6): health, capabilities, workers.
import type { RequestContext } from '../context.js';
import { jsonResponse } from '../http/problem.js';

export async function health(ctx: RequestContext): Promise<Response> {
  return jsonResponse({ status: 'ok', started_at: ctx.runtime.startedAt });
}
