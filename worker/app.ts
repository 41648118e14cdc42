// The Hall's HTTP surface: itty-router dispatch, problem+json for every error, stores behind
// interfaces (so tests can inject failing ones) and one runtime (caches) per worker instance.
import { Router, type IRequest } from 'itty-router';
import type { HallEnv } from './env.js';
import type { HallStores, RequestContext } from './context.js';
import { HallRuntime, type HallRuntimeOptions } from './runtime.js';
import { HallHttpError, problemFromError, problemResponse } from './http/problem.js';
import { KvConfigStore } from './stores/config-store.js';
import { D1EvidenceStore } from './stores/evidence-store.js';
import { D1RegistryStore } from './stores/registry-store.js';
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
  return { config: new KvConfigStore(env.HALL_KV), evidence: new D1EvidenceStore(env.HALL_DB), registry: new D1RegistryStore(env.HALL_DB) };
}

function methodNotAllowed(path: string, routes: readonly RouteSpec[]): string[] {
  const allowed = new Set<string>();
  for (const r of routes) if (r.pattern.test(path)) allowed.add(r.method);
  return [...allowed];
}

/**
 * The most a request body is read and dropped after its answer is ready. Cloudflare refuses bodies
 * over 100–500 MB (by plan) at the edge; a body past this cap is cancelled instead (the client then
 * sees its connection closed rather than the answer).
 */
export const DRAIN_LIMIT = 256 * 1024 * 1024;

/** Bodies declared at most this long are read before the handler runs (every JSON endpoint's bodies are). */
const PREREAD_LIMIT = 64 * 1024;

const noDrain = async (): Promise<void> => undefined;

interface GuardedBody {
  /** The request handlers see: same URL, method, headers and cf, body behind the guard. */
  request: Request;
  /** Reads and drops whatever the handler left unread (up to DRAIN_LIMIT). */
  drain(): Promise<void>;
}

/**
 * A handler may answer before the body has arrived (401 before reading, 413 at the byte cap, 422
 * on a broken archive) and may cancel the stream it reads. Answering while the client is still
 * sending makes the runtime fail the request stream under whoever forwards it: wrangler's dev proxy
 * then throws "Can't read from request stream after response has been sent", answers 503 "Your
 * worker restarted mid-request" and drops the requests in flight, and keep-alive clients (undici)
 * see a reset. So handlers read through a guard: cancelling it never cancels the client's stream,
 * and before the answer leaves, the rest of the body is read to its end and dropped.
 */
async function guardBody(request: Request): Promise<GuardedBody> {
  if (!request.body || request.bodyUsed) return { request, drain: noDrain };
  // A small body with a declared length is read whole first (natively): nothing is left to drain
  // and no JS stream is built per request. A failed read reaches the handler as the same error.
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d{1,7}$/.test(declared) && Number(declared) <= PREREAD_LIMIT) {
    let body: ArrayBuffer | ReadableStream<Uint8Array>;
    try {
      body = await request.arrayBuffer();
    } catch (err) {
      body = new ReadableStream({ start: (c) => c.error(err) });
    }
    try {
      return { request: new Request(request, { body }), drain: noDrain };
    } catch {
      return { request, drain: noDrain };
    }
  }
  const source = request.body.getReader();
  let ended = false;
  let abandoned = false;
  // workerd's request stream allows one pending read: drain() waits for the handler's last one.
  let pending: Promise<unknown> = Promise.resolve();
  const guarded = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const read = source.read();
        pending = read.catch(() => undefined);
        try {
          const { done, value } = await read;
          if (done) ended = true;
          if (abandoned) return;
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (err) {
          ended = true;
          if (!abandoned) controller.error(err);
        }
      },
      cancel() {
        abandoned = true;
      },
    },
    { highWaterMark: 0 },
  );
  let inner: Request;
  try {
    inner = new Request(request, { body: guarded });
  } catch {
    // A GET/HEAD that carries a body cannot be rebuilt with one; its handlers never read it.
    inner = request;
  }
  return {
    request: inner,
    async drain() {
      await pending;
      if (ended) return;
      const declared = request.headers.get('content-length');
      let seen = 0;
      try {
        if (declared !== null && /^\d+$/.test(declared) && Number(declared) > DRAIN_LIMIT) throw new RangeError('body beyond the drain limit');
        for (;;) {
          const { done, value } = await source.read();
          if (done) return;
          seen += value.byteLength;
          if (seen > DRAIN_LIMIT) throw new RangeError('body beyond the drain limit');
        }
      } catch {
        // Beyond the drain limit, or the client went away: stop reading.
        await source.cancel().catch(() => undefined);
      } finally {
        ended = true;
      }
    },
  };
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
    const body = await guardBody(request);
    const response = await dispatch(body.request, env, ectx);
    await body.drain();
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
