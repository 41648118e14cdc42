// Errors the clients raise. Every one carries a stable `code`: the Hall's (or registry's)
// problem+json `code` when the server answered, or one of CLIENT_CODES when it did not.
import { EdgehallError } from '../util/errors.js';

/** Codes for failures that happen before or instead of a server answer. */
export const CLIENT_CODES = {
  /** No answer within the timeout (after retries, for reads). */
  TIMEOUT: 'CLIENT_TIMEOUT',
  /** The network request failed (DNS, refused connection, TLS, CORS). */
  UNREACHABLE: 'CLIENT_UNREACHABLE',
  /** The server answered with something that is not the documented JSON. */
  BAD_RESPONSE: 'CLIENT_BAD_RESPONSE',
  /** An error status without a problem+json body (a proxy, a CDN page). */
  HTTP_ERROR: 'CLIENT_HTTP_ERROR',
  /** The base URL is not http(s), or is plain http to a non-loopback host. */
  INSECURE_URL: 'CLIENT_INSECURE_URL',
  /** A receipt failed verification against the Hall's published keys. */
  RECEIPT_UNVERIFIED: 'CLIENT_RECEIPT_UNVERIFIED',
  /** A request argument was invalid; nothing was sent. */
  INVALID_ARGUMENT: 'CLIENT_INVALID_ARGUMENT',
} as const;

export interface HallApiErrorInit {
  /** HTTP status; 0 when no response arrived. */
  status: number;
  code: string;
  detail: string;
  title?: string;
  type?: string;
  /** The request that failed, as `METHOD path` (no query string, no credentials). */
  request?: string;
  /** The full problem+json body, when there was one. */
  problem?: Record<string, unknown>;
  /** Set when the server asked for a delay (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A failed call to the Hall or the registry: an error response (problem+json `code`, `status`,
 * `detail`) or a transport failure (status 0, `CLIENT_*` code).
 */
export class HallApiError extends EdgehallError {
  readonly status: number;
  readonly detail: string;
  readonly title: string | undefined;
  readonly type: string | undefined;
  readonly request: string | undefined;
  readonly problem: Record<string, unknown> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(init: HallApiErrorInit) {
    const where = init.request ? ` (${init.request})` : '';
    super(init.code, `${init.status ? `${init.status} ` : ''}${init.code}: ${init.detail}${where}`, init.problem);
    this.name = 'HallApiError';
    this.status = init.status;
    this.detail = init.detail;
    this.title = init.title;
    this.type = init.type;
    this.request = init.request;
    this.problem = init.problem;
    this.retryAfterMs = init.retryAfterMs;
    if (init.cause !== undefined) (this as { cause?: unknown }).cause = init.cause;
  }

  /** The problem's `issues` list (validation failures), when the server sent one. */
  get issues(): { path: (string | number)[]; message: string }[] {
    const issues = this.problem?.['issues'];
    return Array.isArray(issues) ? (issues as { path: (string | number)[]; message: string }[]) : [];
  }
}

/**
 * A receipt the Hall sent did not verify (bad signature, unknown key, hash mismatch, broken chain
 * link, or a receipt that does not belong to the decision it came with). The decision is withheld:
 * without verifiable evidence the caller must not dispatch.
 */
export class HallReceiptError extends EdgehallError {
  readonly receipt: unknown;
  readonly reason: string;
  constructor(reason: string, message: string, receipt: unknown) {
    super(CLIENT_CODES.RECEIPT_UNVERIFIED, message, { reason });
    this.name = 'HallReceiptError';
    this.reason = reason;
    this.receipt = receipt;
  }
}
