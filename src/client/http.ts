// The transport both clients share: web-standard fetch (injectable), a timeout per attempt,
// retries with jittered exponential backoff for idempotent reads only, bearer auth without
// cookies, and problem+json turned into HallApiError.
import { CLIENT_CODES, HallApiError } from './errors.js';

export type FetchLike = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/** A bearer token, or a function that returns one (for short-lived tokens). */
export type TokenSource = string | (() => string | Promise<string>);

export interface TransportOptions {
  /** Base URL of the service. Plain http is accepted only for loopback hosts unless `allowInsecureHttp`. */
  baseUrl: string | URL;
  /** Bearer token sent as `Authorization: Bearer …`. */
  token?: TokenSource | undefined;
  /** The fetch to use (default: globalThis.fetch, bound). Inject one for tests, proxies or service bindings. */
  fetch?: FetchLike | undefined;
  /** Per-attempt timeout in milliseconds (default 10 000). */
  timeoutMs?: number | undefined;
  /** Extra attempts for idempotent reads on timeouts, network errors, 408, 429, 502, 503, 504 (default 2). */
  retries?: number | undefined;
  /** First backoff delay in milliseconds; doubles each attempt, with full jitter (default 200). */
  retryDelayMs?: number | undefined;
  /** Upper bound for one backoff delay, including a server's Retry-After (default 5 000). */
  maxRetryDelayMs?: number | undefined;
  /** Allow plain http to a non-loopback host (sends the bearer token in clear text). */
  allowInsecureHttp?: boolean | undefined;
  /** Extra headers for every request (never Authorization: use `token`). */
  headers?: Record<string, string> | undefined;
}

/** Options every client method accepts. */
export interface CallOptions {
  /** Cancels the call (and its retries). The promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Overrides the client's per-attempt timeout. */
  timeoutMs?: number | undefined;
  /** Overrides the client's token for this call (an approver's token, the admin token). */
  token?: TokenSource | undefined;
}

export type UploadBody = Blob | ReadableStream<Uint8Array> | ArrayBuffer | Uint8Array;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | null | undefined> | undefined;
  json?: unknown;
  body?: UploadBody | undefined;
  contentType?: string | undefined;
  /** Safe to repeat: only these are retried. */
  idempotent: boolean;
  /** Send no Authorization header even when a token is configured (public endpoints). */
  anonymous?: boolean | undefined;
  /** Statuses that are answers, not errors (e.g. the registry's 404 for an unknown worker). */
  acceptStatus?: readonly number[] | undefined;
  /** The answer is text (e.g. a signed checkpoint): `body` is the text, not parsed JSON. */
  text?: boolean | undefined;
}

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

const RETRY_STATUS = new Set([408, 429, 502, 503, 504]);
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;
const MAX_JSON_BYTES = 16 * 1024 * 1024;

/**
 * RequestInit plus the fields some runtimes' typings lack: workers-types has no `credentials`
 * (workerd rejects it) and no lib types `duplex` yet.
 */
type FetchInit = RequestInit & { credentials?: 'omit'; duplex?: 'half' };

/** Whether this runtime's Request accepts `credentials` (workerd rejects the field outright). */
let credentialsSupported: boolean | undefined;
function supportsCredentials(): boolean {
  if (credentialsSupported === undefined) {
    try {
      const probe: FetchInit = { credentials: 'omit' };
      new Request('https://example.invalid/', probe);
      credentialsSupported = true;
    } catch {
      credentialsSupported = false;
    }
  }
  return credentialsSupported;
}

function checkedBaseUrl(raw: string | URL, allowInsecure: boolean): string {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new HallApiError({ status: 0, code: CLIENT_CODES.INVALID_ARGUMENT, detail: 'baseUrl is not a valid absolute URL. Pass e.g. https://hall.example.com.' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new HallApiError({ status: 0, code: CLIENT_CODES.INSECURE_URL, detail: `baseUrl must be http(s), not ${url.protocol}` });
  }
  if (url.protocol === 'http:' && !allowInsecure && !LOOPBACK.test(url.hostname)) {
    throw new HallApiError({
      status: 0,
      code: CLIENT_CODES.INSECURE_URL,
      detail: `plain http to ${url.hostname} would send the bearer token in clear text. Use https, or set allowInsecureHttp: true for a trusted network.`,
    });
  }
  if (url.username || url.password) {
    throw new HallApiError({ status: 0, code: CLIENT_CODES.INSECURE_URL, detail: 'baseUrl must not carry credentials; pass the token option instead.' });
  }
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/+$/, '');
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Aborts when either the caller's signal or the attempt's timer fires; says which it was. */
function attemptSignal(user: AbortSignal | undefined, timeoutMs: number): { signal: AbortSignal; timedOut: () => boolean; done: () => void } {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException('The Hall did not answer in time.', 'TimeoutError'));
  }, timeoutMs);
  const onAbort = (): void => controller.abort(user!.reason);
  if (user) {
    if (user.aborted) controller.abort(user.reason);
    else user.addEventListener('abort', onAbort, { once: true });
  }
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    done: () => {
      clearTimeout(timer);
      user?.removeEventListener('abort', onAbort);
    },
  };
}

async function resolveToken(token: TokenSource | undefined): Promise<string | undefined> {
  if (token === undefined) return undefined;
  const value = typeof token === 'function' ? await token() : token;
  if (typeof value !== 'string' || !value || /[\r\n]/.test(value)) {
    throw new HallApiError({ status: 0, code: CLIENT_CODES.INVALID_ARGUMENT, detail: 'the bearer token must be a non-empty single-line string.' });
  }
  return value;
}

async function readText(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_JSON_BYTES) throw new Error(`response of ${declared} bytes exceeds the ${MAX_JSON_BYTES}-byte limit`);
  const text = await res.text();
  if (text.length > MAX_JSON_BYTES) throw new Error(`response exceeds the ${MAX_JSON_BYTES}-byte limit`);
  return text;
}

/** Turns an error response into a HallApiError, using problem+json when the server sent it. */
async function errorFromResponse(res: Response, request: string): Promise<HallApiError> {
  const after = retryAfterMs(res.headers);
  let problem: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(await readText(res));
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) problem = parsed as Record<string, unknown>;
  } catch {
    problem = undefined;
  }
  const str = (k: string): string | undefined => (typeof problem?.[k] === 'string' ? (problem[k] as string) : undefined);
  const code = str('code') ?? str('error') ?? CLIENT_CODES.HTTP_ERROR;
  const detail =
    str('detail') ?? str('message') ?? str('title') ?? `the server answered ${res.status} ${res.statusText || ''}`.trim() + ' without problem details.';
  return new HallApiError({
    status: res.status,
    code,
    detail,
    title: str('title'),
    type: str('type'),
    request,
    problem,
    retryAfterMs: after,
  });
}

export class Transport {
  readonly baseUrl: string;
  private readonly fetchFn: FetchLike;
  private readonly token: TokenSource | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly headers: Record<string, string>;

  constructor(opts: TransportOptions) {
    this.baseUrl = checkedBaseUrl(opts.baseUrl, opts.allowInsecureHttp === true);
    const f = opts.fetch ?? (globalThis.fetch as FetchLike | undefined);
    if (typeof f !== 'function') {
      throw new HallApiError({ status: 0, code: CLIENT_CODES.INVALID_ARGUMENT, detail: 'no fetch available in this runtime; pass the fetch option.' });
    }
    // Calling an unbound global fetch as a method throws "Illegal invocation" in browsers and workerd.
    this.fetchFn = opts.fetch ? opts.fetch : (input, init) => globalThis.fetch(input, init);
    this.token = opts.token;
    this.timeoutMs = positive(opts.timeoutMs, 10_000);
    this.retries = Math.min(10, Math.max(0, Math.floor(opts.retries ?? 2)));
    this.retryDelayMs = positive(opts.retryDelayMs, 200);
    this.maxRetryDelayMs = positive(opts.maxRetryDelayMs, 5_000);
    this.headers = { ...(opts.headers ?? {}) };
    for (const k of Object.keys(this.headers)) {
      if (k.toLowerCase() === 'authorization' || k.toLowerCase() === 'cookie') {
        throw new HallApiError({ status: 0, code: CLIENT_CODES.INVALID_ARGUMENT, detail: `set credentials with the token option, not a ${k} header.` });
      }
    }
  }

  url(path: string, query?: RequestSpec['query']): string {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    return url.href;
  }

  /**
   * Sends the request and returns the parsed JSON answer, or throws HallApiError. The timeout
   * covers each attempt from sending to the last byte of the answer; idempotent reads are retried.
   */
  async json<T = unknown>(spec: RequestSpec, call: CallOptions = {}): Promise<JsonResponse<T>> {
    const label = `${spec.method} ${spec.path}`;
    const url = this.url(spec.path, spec.query);
    const timeoutMs = positive(call.timeoutMs, this.timeoutMs);
    // Stream bodies can be read once: never replayed, whatever the method.
    const replayable = spec.idempotent && !(spec.body instanceof ReadableStream);
    const attempts = replayable ? this.retries + 1 : 1;
    let lastError: HallApiError | undefined;

    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) {
        const backoff = Math.random() * Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** (attempt - 1));
        const wait = Math.min(this.maxRetryDelayMs, Math.max(backoff, lastError?.retryAfterMs ?? 0));
        await sleep(wait, call.signal);
      }
      const init = await this.init(spec, call);
      const scope = attemptSignal(call.signal, timeoutMs);
      init.signal = scope.signal;
      const failed = (cause: unknown): HallApiError =>
        scope.timedOut()
          ? new HallApiError({ status: 0, code: CLIENT_CODES.TIMEOUT, detail: `no complete answer within ${timeoutMs} ms.`, request: label, cause })
          : new HallApiError({ status: 0, code: CLIENT_CODES.UNREACHABLE, detail: `the request failed before an answer arrived (${describe(cause)}). Check baseUrl and the network.`, request: label, cause });
      try {
        let res: Response;
        try {
          res = await this.fetchFn(url, init);
        } catch (cause) {
          if (call.signal?.aborted) throw call.signal.reason;
          lastError = failed(cause);
          continue;
        }
        if (!res.ok && !spec.acceptStatus?.includes(res.status)) {
          lastError = await errorFromResponse(res, label);
          if (!RETRY_STATUS.has(res.status)) throw lastError;
          continue;
        }
        let text: string;
        try {
          text = res.status === 204 ? '' : await readText(res);
        } catch (cause) {
          if (call.signal?.aborted) throw call.signal.reason;
          if (scope.timedOut()) {
            lastError = failed(cause);
            continue;
          }
          throw new HallApiError({ status: res.status, code: CLIENT_CODES.BAD_RESPONSE, detail: `the response could not be read (${describe(cause)}).`, request: label, cause });
        }
        if (spec.text) return { status: res.status, headers: res.headers, body: text as T };
        let body: unknown;
        try {
          body = text === '' ? undefined : JSON.parse(text);
        } catch (cause) {
          throw new HallApiError({ status: res.status, code: CLIENT_CODES.BAD_RESPONSE, detail: 'the response is not valid JSON; check that baseUrl points at the service.', request: label, cause });
        }
        return { status: res.status, headers: res.headers, body: body as T };
      } finally {
        scope.done();
      }
    }
    throw lastError!;
  }

  private async init(spec: RequestSpec, call: CallOptions): Promise<RequestInit> {
    const headers = new Headers(this.headers);
    headers.set('accept', spec.text ? 'text/plain, application/problem+json' : 'application/json, application/problem+json');
    if (!spec.anonymous) {
      const token = await resolveToken(call.token ?? this.token);
      if (token) headers.set('authorization', `Bearer ${token}`);
    }
    const init: FetchInit = { method: spec.method, headers };
    if (supportsCredentials()) init.credentials = 'omit';
    if (spec.json !== undefined) {
      headers.set('content-type', 'application/json');
      init.body = JSON.stringify(spec.json);
    } else if (spec.body !== undefined) {
      const type = spec.contentType ?? (spec.body instanceof Blob && spec.body.type ? spec.body.type : 'application/octet-stream');
      headers.set('content-type', type);
      init.body = spec.body as BodyInit;
      if (spec.body instanceof ReadableStream) init.duplex = 'half';
    }
    return init;
  }
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const inner = cause instanceof Error ? `: ${cause.message}` : '';
    return `${err.name}: ${err.message}${inner}`.slice(0, 300);
  }
  return String(err).slice(0, 300);
}
