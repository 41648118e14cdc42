// POST /route: authorize → validate → the shared decide-and-receipt path → {decision, receipt}.
// If anything on the evidence path fails, 503 and nothing is allowed ("no dispatch without evidence").
import type { RequestContext } from '../context.js';
import { decideAndRecord } from '../decision/decide-and-record.js';
import { requirePrincipal } from '../http/auth.js';
import { parseWith, readJson } from '../http/body.js';
import { jsonResponse } from '../http/problem.js';
import { phaseTimer } from '../http/server-timing.js';
import { RouteRequestSchema } from '../schemas.js';

export const ROUTE_BODY_LIMIT = 64 * 1024;

export async function postRoute(ctx: RequestContext): Promise<Response> {
  const timer = phaseTimer(ctx.env);
  const principal = await requirePrincipal(ctx);
  timer.mark('auth');
  const body = parseWith(RouteRequestSchema, await readJson(ctx.request, ROUTE_BODY_LIMIT), 'The RouteInput');
  timer.mark('body');
  const { decision, receipt } = await decideAndRecord(ctx, principal, body, timer);
  const response = jsonResponse({ decision, receipt });
  timer.mark('respond');
  return timer.apply(response);
}
