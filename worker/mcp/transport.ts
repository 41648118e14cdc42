// Streamable HTTP, stateless and JSON-only: one POST carries one JSON-RPC message (or, for
// 2025-03-26 clients, a batch) and gets one JSON answer — 200 with the response(s), 202 for
// notifications and responses, 4xx for what cannot be served. No session id is minted or read, no
// SSE stream is opened (GET answers 405 from the router). HTTP-level refusals (origin, media type,
// size, parse) carry a JSON-RPC error without an id, as the spec allows.
import type { RequestContext } from '../context.js';
import { readJson } from '../http/body.js';
import { HallHttpError } from '../http/problem.js';
import { INVALID_REQUEST, PARSE_ERROR, UNSUPPORTED_PROTOCOL_VERSION, classify, errorResponse, type JsonRpcResponse } from './jsonrpc.js';
import { answerRequest, type CallBase } from './methods.js';
import { HEADERLESS_VERSION, SUPPORTED_VERSIONS, allowsBatch, eraOf, isSupportedVersion } from './versions.js';

/** Largest POST body (a tool call's arguments travel in it). */
export const MCP_BODY_LIMIT = 256 * 1024;
/** Most messages in one 2025-03-26 batch. */
export const MCP_BATCH_LIMIT = 32;

export interface McpAnswer {
  status: number;
  /** The JSON body; null answers with no body (202). */
  body: JsonRpcResponse | JsonRpcResponse[] | null;
}

const refuse = (status: number, code: number, message: string, data?: unknown): McpAnswer => ({ status, body: errorResponse(undefined, code, message, data) });

/** Names a page cannot make a browser send as Host unless it really is on this machine. */
const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether "same origin as the request" may be trusted. The request's origin comes from its Host
 * header, which a DNS-rebinding page controls: its own name, now resolving to the Hall's address,
 * makes Host and Origin agree. That cannot happen on a loopback name (the page would have to be
 * on this machine) or over https (the attacker's name has no certificate on the Hall).
 */
function sameOriginTrusted(url: URL): boolean {
  return url.protocol === 'https:' || LOOPBACK_HOSTNAMES.has(url.hostname);
}

/**
 * DNS-rebinding protection: a browser page of another origin must not reach the gateway. A request
 * without Origin (every non-browser client) passes; otherwise the origins listed in
 * HALL_MCP_ALLOWED_ORIGINS (comma-separated) do, and the Hall's own origin where that can be trusted.
 */
export function originRefusal(ctx: RequestContext): McpAnswer | null {
  const origin = ctx.request.headers.get('origin');
  if (origin === null) return null;
  if (origin === ctx.url.origin && sameOriginTrusted(ctx.url)) return null;
  const allowed = (ctx.env.HALL_MCP_ALLOWED_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (allowed.includes(origin)) return null;
  return refuse(403, INVALID_REQUEST, `Forbidden: requests from origin ${origin.slice(0, 200)} are not accepted. The operator can allow it with HALL_MCP_ALLOWED_ORIGINS.`);
}

function mediaType(value: string | null): string | null {
  return value === null ? null : value.split(';')[0]!.trim().toLowerCase();
}

/** The body must be JSON, and the client must accept a JSON answer (the only kind sent). */
export function mediaRefusal(request: Request): McpAnswer | null {
  if (mediaType(request.headers.get('content-type')) !== 'application/json') {
    return refuse(415, INVALID_REQUEST, 'Unsupported Media Type: send the JSON-RPC message with Content-Type: application/json.');
  }
  const accept = request.headers.get('accept');
  if (accept !== null && !accept.split(',').some((a) => ['application/json', 'application/*', '*/*'].includes(mediaType(a) ?? ''))) {
    return refuse(406, INVALID_REQUEST, 'Not Acceptable: this gateway answers with application/json; list it in the Accept header.');
  }
  return null;
}

/** The parsed body, or the refusal (413 too large; 400 -32700 not UTF-8 JSON or nested too deep). */
export async function readMessageBody(request: Request): Promise<{ value: unknown } | { answer: McpAnswer }> {
  try {
    return { value: await readJson(request, MCP_BODY_LIMIT) };
  } catch (err) {
    if (!(err instanceof HallHttpError)) throw err;
    if (err.status === 413) return { answer: refuse(413, INVALID_REQUEST, err.message, { code: err.code, limit_bytes: MCP_BODY_LIMIT }) };
    return { answer: refuse(400, PARSE_ERROR, `Parse error: ${err.message}`) };
  }
}

/** Serves a parsed body: one message, or a batch where the client's revision has them. */
export async function serveBody(base: CallBase, value: unknown): Promise<McpAnswer> {
  if (Array.isArray(value)) return serveBatch(base, value);
  return serveOne(base, value);
}

async function serveOne(base: CallBase, value: unknown): Promise<McpAnswer> {
  const m = classify(value);
  switch (m.kind) {
    case 'request': {
      const { response, status } = await answerRequest(base, m.message);
      return { status, body: response };
    }
    case 'notification':
      return acceptOrRefuse(base);
    case 'response':
      // The gateway never sends requests, so a response answers nothing; 2026-07-28 forbids sending one.
      return headerEra(base) === 'modern' ? refuse(400, INVALID_REQUEST, 'Invalid Request: a client must not send JSON-RPC responses to this endpoint.') : { status: 202, body: null };
    case 'invalid':
      return { status: 400, body: errorResponse(m.id, INVALID_REQUEST, `Invalid Request: ${m.reason}`) };
  }
}

/**
 * A notification is accepted (202) unless its version header names a revision not served here;
 * nothing is done with it (the gateway keeps no state a notification could change, and 2026-07-28
 * defines no header rules for notification POSTs).
 */
function acceptOrRefuse(base: CallBase): McpAnswer {
  const header = base.ctx.request.headers.get('mcp-protocol-version')?.trim();
  if (header !== undefined && !isSupportedVersion(header)) {
    return refuse(400, UNSUPPORTED_PROTOCOL_VERSION, 'Unsupported protocol version', { supported: [...SUPPORTED_VERSIONS], requested: header.slice(0, 64) });
  }
  return { status: 202, body: null };
}

function headerEra(base: CallBase): 'modern' | 'legacy' {
  const header = base.ctx.request.headers.get('mcp-protocol-version')?.trim();
  return header && isSupportedVersion(header) ? eraOf(header) : 'legacy';
}

async function serveBatch(base: CallBase, items: unknown[]): Promise<McpAnswer> {
  const version = base.ctx.request.headers.get('mcp-protocol-version')?.trim() ?? HEADERLESS_VERSION;
  if (!allowsBatch(version)) {
    return refuse(400, INVALID_REQUEST, `Invalid Request: JSON-RPC batches are not part of MCP ${version.slice(0, 32)} (only 2025-03-26 has them). Send one message per POST.`);
  }
  if (items.length === 0) return refuse(400, INVALID_REQUEST, 'Invalid Request: an empty batch.');
  if (items.length > MCP_BATCH_LIMIT) return refuse(400, INVALID_REQUEST, `Invalid Request: a batch holds at most ${MCP_BATCH_LIMIT} messages. Split it.`);
  const responses: JsonRpcResponse[] = [];
  // One at a time: a batch costs what its messages cost in sequence, never more concurrency.
  for (const item of items) {
    const m = classify(item);
    if (m.kind === 'request') responses.push((await answerRequest(base, m.message, true)).response);
    else if (m.kind === 'invalid') responses.push(errorResponse(m.id, INVALID_REQUEST, `Invalid Request: ${m.reason}`));
  }
  return responses.length ? { status: 200, body: responses } : { status: 202, body: null };
}

export function answerResponse(answer: McpAnswer): Response {
  const headers = new Headers({ 'cache-control': 'no-store' });
  if (answer.body === null) return new Response(null, { status: answer.status, headers });
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers });
}
