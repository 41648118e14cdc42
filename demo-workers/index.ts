// edgehall-demo-workers: the seed's six workers (kv-seed/workers/*.json) as one small Worker, one
// path each (POST /<worker_id>), reached by the Hall's gateway through a Service binding. Nothing
// runs unless the Hall sent it: every call is re-verified with verifyDispatch (the Hall's signature,
// ALLOW, this worker, the artifact hash of the arguments received, freshness, no replay) and only
// then are the arguments parsed and the tool run. Refused → 403 with an isError result and the code.
import { verifyDispatch, DISPATCH_KEY_UNKNOWN, type DispatchVerdict } from '../src/dispatch/verify-dispatch.js';
import { hallKeys, HallKeysUnavailable, type DemoEnv } from './hall-keys.js';
import { listing, toolError, toolResult } from './results.js';
import { DEMO_TOOLS, ToolRefusal, toolAtPath, type DemoTool } from './tools/index.js';

export type { DemoEnv };

/** Verifies with the cached key set; once more with a fresh one when the receipt's key is unknown. */
async function verified(request: Request, env: DemoEnv, tool: DemoTool): Promise<DispatchVerdict> {
  const retry = request.clone();
  const first = await hallKeys(env);
  const verdict = await verifyDispatch(request, { jwks: first.jwks, workerId: tool.workerId });
  if (verdict.ok || verdict.code !== DISPATCH_KEY_UNKNOWN || first.fetchedNow) return verdict;
  const fresh = await hallKeys(env, true);
  return verifyDispatch(retry, { jwks: fresh.jwks, workerId: tool.workerId });
}

const issuePath = (path: readonly PropertyKey[]): string => path.map(String).join('.') || '(arguments)';

async function runTool(request: Request, env: DemoEnv, tool: DemoTool): Promise<Response> {
  let verdict: DispatchVerdict;
  try {
    verdict = await verified(request, env, tool);
  } catch (err) {
    if (err instanceof HallKeysUnavailable) return toolError(503, 'DEMO_HALL_KEYS_UNAVAILABLE', err.message);
    throw err;
  }
  if (!verdict.ok) return toolError(403, verdict.code, `${verdict.message} This worker runs only calls the Hall allowed and signed.`);

  // The Hall validated the arguments against the tool's inputSchema; the worker checks them again
  // (fail closed: it trusts the signature, not the caller's shapes).
  const args = tool.args.safeParse(verdict.arguments);
  if (!args.success) {
    const problems = args.error.issues.slice(0, 10).map((i) => `${issuePath(i.path)}: ${i.message}`);
    return toolError(200, 'DEMO_ARGUMENTS_INVALID', `the arguments do not match ${tool.capability}'s input schema (${problems.join('; ')}). Fix them and call again.`);
  }
  try {
    const out = tool.run(args.data, { decisionId: verdict.decisionId, dispatchedAt: verdict.receipt.dispatched_at });
    return toolResult(out.text, out.structured);
  } catch (err) {
    if (err instanceof ToolRefusal) return toolError(200, err.code, err.message);
    return toolError(500, 'DEMO_WORKER_FAILED', `${tool.workerId} failed (${(err as Error)?.message ?? String(err)}).`);
  }
}

export async function handleDemoRequest(request: Request, env: DemoEnv): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === '/' && request.method === 'GET') {
    return listing({ service: 'edgehall-demo-workers', workers: DEMO_TOOLS.map((t) => ({ path: `/${t.workerId}`, worker_id: t.workerId, capability: t.capability })) });
  }
  const tool = toolAtPath(pathname);
  if (!tool) return toolError(404, 'DEMO_UNKNOWN_WORKER', `no demo worker at ${pathname.slice(0, 256)}; the paths are ${DEMO_TOOLS.map((t) => `/${t.workerId}`).join(', ')}.`);
  if (request.method !== 'POST') return toolError(405, 'DEMO_METHOD_NOT_ALLOWED', `${tool.workerId} takes the Hall's dispatch as a POST.`);
  return runTool(request, env, tool);
}

export default {
  fetch: (request: Request, env: DemoEnv): Promise<Response> => handleDemoRequest(request, env),
} satisfies ExportedHandler<DemoEnv>;
