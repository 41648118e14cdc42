// The Hall's HTTP surface: itty-router dispatch, problem+json for every error, stores behind
// interfaces (so tests can inject failing ones) and one runtime (caches) per worker instance.
import { Router, type IRequest } from 'itty-router';
import type { HallEnv } from './env.js';
import type { HallStores, RequestContext } from './context.js';
import { HallRuntime, type HallRuntimeOptions } from './runtime.js';
import { HallHttpError, problemFromError, problemResponse } from './http/problem.js';
import { KvConfigStore } from './stores/config-store.js';
import { D1EvidenceStore } from './stores/evidence-store.js';
import { ROUTES, type RouteSpec } from './routes/index.js';

export interface HallWorkerOptions extends HallRuntimeOptions {
  /** Builds the stores for a request; tests wrap the real ones to inject failures. */
  makeStores?: (env: HallEnv) => HallStores;
}

export interface HallWorker {
  fetch(request: Request, env: HallEnv, ctx: ExecutionContext): Promise<Response>;
  readonly runtime: HallRuntime;
}

export function defaultStores(env: HallEnv): HallStores {
  return { config: new KvConfigStore(env.HALL_KV), evidence: new D1EvidenceStore(env.HALL_DB) };
}

function methodNotAllowed(path: string, routes: readonly RouteSpec[]): string[] {
  const allowed = new Set<string>();
  for (const r of routes) if (r.pattern.test(path)) allowed.add(r.method);
  return [...allowed];
}

const DRAIN_LIMIT = 1024 * 1024;

/**
 * A request refused before its body was read still has that body in flight; answering without
 * consuming it makes some HTTP clients (undici keep-alive) see a reset instead of the answer.
 * Small leftovers are drained, anything bigger is cancelled.
 */
async function discardUnreadBody(request: Request): Promise<void> {
  if (!request.body || request.bodyUsed) return;
  try {
    const reader = request.body.getReader();
    let seen = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen > DRAIN_LIMIT) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // The client went away; nothing left to do.
  }
}

export function createHallWorker(options: HallWorkerOptions = {}): HallWorker {
  const runtime = new HallRuntime(options);
  const makeStores = options.makeStores ?? defaultStores;
  const router = Router<IRequest, [RequestContext]>();
  for (const spec of ROUTES) {
    router[spec.method.toLowerCase() as 'get'](spec.path, (req: IRequest, ctx: RequestContext) => {
      ctx.params = req.params;
      return spec.handler(ctx);
    });
  }

  async function handle(request: Request, env: HallEnv, ectx: ExecutionContext): Promise<Response> {
    const response = await dispatch(request, env, ectx);
    await discardUnreadBody(request);
    return response;
  }

  async function dispatch(request: Request, env: HallEnv, ectx: ExecutionContext): Promise<Response> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return problemResponse(400, 'INVALID_URL', 'The request URL could not be parsed. Check the path and query string.');
    }
    const ctx: RequestContext = {
      request,
      url,
      env,
      stores: makeStores(env),
      runtime,
      params: {},
      waitUntil: (p) => ectx.waitUntil(p),
    };
    try {
      const res: Response | undefined = await router.fetch(request, ctx);
      if (res) return res;
      const allowed = methodNotAllowed(url.pathname, ROUTES);
      if (allowed.length) {
        return problemResponse(405, 'METHOD_NOT_ALLOWED', `${request.method} is not supported on ${url.pathname.slice(0, 200)}. Use ${allowed.join(' or ')}.`, {}, { allow: allowed.join(', ') });
      }
      return problemResponse(404, 'NOT_FOUND', 'No Hall endpoint at this path. See GET /openapi.json for the API.');
    } catch (err) {
      if (err instanceof HallHttpError) return problemFromError(err);
      // Unknown failures never leak internals; they are logged without request data.
      console.error('edgehall: unhandled error', err instanceof Error ? err.name + ': ' + err.message : String(err));
      return problemResponse(500, 'INTERNAL_ERROR', 'The Hall hit an unexpected error and recorded nothing. Retry; if it persists, report it with the time of the request.');
    }
  }

  return { fetch: handle, runtime };
}
