// GET /decisions/:decision_id/outcome: the signed outcome record of a dispatched decision (what ran
// and what it returned). Readable by the decision's tenant, its approvers and the admin; another
// tenant's outcome is reported as absent (ids are not an oracle). Verify it with verifyOutcome
// against /.well-known/wcp-keys.json (and the decision's receipt).
import type { RequestContext } from '../context.js';
import { outcomeStoreOf } from '../dispatch/outcome.js';
import { approverCovers, requirePrincipal } from '../http/auth.js';
import { pathParam } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';
import { MAX_ID_LENGTH } from '../schemas.js';

const notFound = () =>
  new HallHttpError(404, 'OUTCOME_NOT_FOUND', 'No dispatch outcome for this decision is visible to this token. Only allowed decisions dispatched through the gateway (POST /mcp tools/call) have one; check the decision id and the tenant.');

export async function getOutcome(ctx: RequestContext): Promise<Response> {
  const p = await requirePrincipal(ctx);
  if ((ctx.params['decision_id'] ?? '').length > 3 * MAX_ID_LENGTH) throw notFound();
  const decisionId = pathParam(ctx.params, 'decision_id');
  if (decisionId.length > MAX_ID_LENGTH) throw notFound();
  const found = await outcomeStoreOf(ctx).byDecision(decisionId);
  const t = found?.tenant_id;
  if (!found || !(p.kind === 'admin' || (p.kind === 'tenant' && p.id === t) || approverCovers(p, t!))) throw notFound();
  return jsonResponse({ outcome: found.outcome });
}
