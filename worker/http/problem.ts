// RFC 9457 problem details: every error the Hall returns is `application/problem+json` with a stable
// `code` and a `detail` sentence that says what to do next.

export interface ProblemIssue {
  path: (string | number)[];
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  issues?: ProblemIssue[];
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Thrown anywhere in a request; the router turns it into a problem response. */
export class HallHttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly extras: Record<string, unknown>;
  constructor(status: number, code: string, detail: string, extras: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'HallHttpError';
    this.status = status;
    this.code = code;
    this.extras = extras;
  }
}

export function problemBody(status: number, code: string, detail: string, extras: Record<string, unknown> = {}): ProblemBody {
  return {
    type: `urn:edgehall:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...extras,
  };
}

export function problemResponse(status: number, code: string, detail: string, extras: Record<string, unknown> = {}, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set('content-type', 'application/problem+json');
  h.set('cache-control', 'no-store');
  return new Response(JSON.stringify(problemBody(status, code, detail, extras)), { status, headers: h });
}

export function problemFromError(err: HallHttpError): Response {
  const headers: HeadersInit = err.status === 401 ? { 'www-authenticate': 'Bearer realm="edgehall"' } : {};
  return problemResponse(err.status, err.code, err.message, err.extras, headers);
}

export function jsonResponse(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  const h = new Headers(headers);
  h.set('content-type', 'application/json');
  if (!h.has('cache-control')) h.set('cache-control', 'no-store');
  return new Response(JSON.stringify(body), { status, headers: h });
}
