// POST /mcp — the governed MCP gateway (Streamable HTTP, stateless, JSON answers) — and the RFC 9728
// metadata that tells a client how to authenticate to it. docs/mcp.md describes it from the client's side.
import type { RequestContext } from '../context.js';
import { requirePrincipal, type Principal } from '../http/auth.js';
import { HallHttpError, jsonResponse, problemResponse } from '../http/problem.js';
import { phaseTimer } from '../http/server-timing.js';
import { protectedResourceMetadata, unauthorized } from '../mcp/protected-resource.js';
import { answerResponse, mediaRefusal, originRefusal, readMessageBody, serveBody } from '../mcp/transport.js';

export async function postMcp(ctx: RequestContext): Promise<Response> {
  const timer = phaseTimer(ctx.env);
  const foreign = originRefusal(ctx);
  if (foreign) return answerResponse(foreign);
  const principal = await mcpPrincipal(ctx);
  if (principal instanceof Response) return principal;
  timer.mark('auth');
  const refused = mediaRefusal(ctx.request);
  if (refused) return answerResponse(refused);
  const body = await readMessageBody(ctx.request);
  if ('answer' in body) return answerResponse(body.answer);
  timer.mark('body');
  const answer = await serveBody({ ctx, principal, timer }, body.value);
  const response = answerResponse(answer);
  timer.mark('respond');
  return timer.apply(response);
}

/** A tenant token, or the admin token; approver tokens resolve approvals and call no tools. */
async function mcpPrincipal(ctx: RequestContext): Promise<Principal | Response> {
  let principal: Principal;
  try {
    principal = await requirePrincipal(ctx);
  } catch (err) {
    if (err instanceof HallHttpError && err.status === 401) return unauthorized(ctx, err);
    throw err;
  }
  if (principal.kind === 'approver') {
    return problemResponse(403, 'APPROVER_CANNOT_CALL_TOOLS', 'Approver tokens resolve approvals; they cannot list or call tools. Use the tenant\'s token, or the admin token naming _meta["org.edgehall/wcp"].tenant_id.');
  }
  return principal;
}

function metadataResponse(ctx: RequestContext, resourcePath: '' | '/mcp'): Response {
  // Public and the same for everyone: browsers on other origins may read it, caches may keep it.
  return jsonResponse(protectedResourceMetadata(ctx, resourcePath), 200, { 'cache-control': 'public, max-age=3600', 'access-control-allow-origin': '*' });
}

export const getProtectedResource = async (ctx: RequestContext): Promise<Response> => metadataResponse(ctx, '');
export const getProtectedResourceMcp = async (ctx: RequestContext): Promise<Response> => metadataResponse(ctx, '/mcp');
