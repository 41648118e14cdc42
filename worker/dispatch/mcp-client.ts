// The Hall as a small MCP client of an upstream Streamable HTTP server (dispatch kind "mcp" and the
// upstream import): initialize (keeping Mcp-Session-Id when the server issues one), the
// initialized notification, then one request (tools/call or tools/list); answers may be JSON or an
// SSE stream, which is read only until the response to our request arrives. Web-standard fetch +
// zod; every failure is a DispatchFailure with a DISPATCH_* code, bounded by the caller's Deadline.
import { z } from 'zod';
import { utf8 } from '../../src/util/bytes.js';
import { DispatchFailure, MAX_DISPATCH_RESULT_BYTES, readAll, send, parseJsonBytes, type Deadline, type TargetFetcher } from './exchange.js';

export const MCP_CLIENT_PROTOCOL_VERSION = '2025-11-25';
/** Versions the Hall accepts from an upstream's initialize answer. */
export const MCP_CLIENT_ACCEPTED_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26'];
const CLIENT_INFO = { name: 'edgehall-gateway', version: '0.2.0' };

const JsonRpcId = z.union([z.string(), z.number()]);
const JsonRpcResult = z.looseObject({ jsonrpc: z.literal('2.0'), id: JsonRpcId, result: z.record(z.string(), z.unknown()) });
const JsonRpcError = z.looseObject({
  jsonrpc: z.literal('2.0'),
  id: JsonRpcId.nullable(),
  error: z.looseObject({ code: z.number().int(), message: z.string() }),
});
const InitializeResult = z.looseObject({
  protocolVersion: z.string().max(64),
  capabilities: z.record(z.string(), z.unknown()),
  serverInfo: z.looseObject({ name: z.string().max(256), version: z.string().max(256) }),
});

export interface McpEndpoint {
  url: string;
  /** `Bearer …` from the target's auth_secret; never the caller's token. */
  authorization?: string;
  fetcher: TargetFetcher;
  /** Extra headers for the request after the handshake (the dispatch headers). */
  headers?: Record<string, string>;
}

export interface McpAnswer {
  result: Record<string, unknown>;
  /** The JSON-RPC response message as received (its SHA-256 is the outcome's result_sha256). */
  bytes: Uint8Array;
  httpStatus: number;
}

const clip = (s: string, n = 300): string => (s.length > n ? s.slice(0, n) + '…' : s);

/** What resumes a session the upstream issued (an Mcp-Session-Id and the version negotiated for it). */
export interface McpSession {
  sessionId: string;
  protocolVersion: string;
}

/** One upstream MCP conversation: handshake (or a resumed session), requests, close. */
export class McpUpstream {
  private sessionId: string | null = null;
  private protocolVersion: string | null = null;
  private nextId = 1;

  constructor(
    private readonly endpoint: McpEndpoint,
    private readonly deadline: Deadline,
  ) {}

  /** The session the upstream issued at initialize (null: it runs without sessions). */
  get session(): McpSession | null {
    return this.sessionId !== null && this.protocolVersion !== null ? { sessionId: this.sessionId, protocolVersion: this.protocolVersion } : null;
  }

  /** Continues a session initialized earlier instead of a new handshake. */
  resume(session: McpSession): void {
    this.sessionId = session.sessionId;
    this.protocolVersion = session.protocolVersion;
  }

  /** initialize + notifications/initialized. */
  async initialize(): Promise<{ serverInfo: { name: string; version: string }; protocolVersion: string }> {
    const answer = await this.request('initialize', { protocolVersion: MCP_CLIENT_PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO }, false);
    const init = InitializeResult.safeParse(answer.result);
    if (!init.success) throw new DispatchFailure('DISPATCH_BAD_RESPONSE', 'the upstream MCP server answered initialize with something that is not an InitializeResult.', answer.httpStatus, answer.bytes);
    if (!MCP_CLIENT_ACCEPTED_VERSIONS.includes(init.data.protocolVersion)) {
      throw new DispatchFailure('DISPATCH_BAD_RESPONSE', `the upstream MCP server speaks protocol version ${clip(init.data.protocolVersion, 64)}; the Hall speaks ${MCP_CLIENT_ACCEPTED_VERSIONS.join(', ')}.`, answer.httpStatus);
    }
    this.protocolVersion = init.data.protocolVersion;
    await this.notify('notifications/initialized');
    return { serverInfo: { name: init.data.serverInfo.name, version: init.data.serverInfo.version }, protocolVersion: init.data.protocolVersion };
  }

  /** Ends the session (best effort; the upstream may not support DELETE). */
  async close(): Promise<void> {
    if (this.sessionId === null) return;
    try {
      const res = await this.endpoint.fetcher.fetch(new Request(this.endpoint.url, { method: 'DELETE', headers: this.headers(false), redirect: 'manual' }));
      await res.body?.cancel().catch(() => undefined);
    } catch {
      // The session expires on its own.
    }
  }

  private headers(withExtras: boolean): Headers {
    const h = new Headers({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'user-agent': 'edgehall-dispatch/1' });
    if (this.endpoint.authorization) h.set('authorization', this.endpoint.authorization);
    if (this.sessionId !== null) h.set('mcp-session-id', this.sessionId);
    if (this.protocolVersion !== null) h.set('mcp-protocol-version', this.protocolVersion);
    if (withExtras) for (const [k, v] of Object.entries(this.endpoint.headers ?? {})) h.set(k, v);
    return h;
  }

  private post(message: unknown, withExtras: boolean): Promise<Response> {
    const request = new Request(this.endpoint.url, { method: 'POST', headers: this.headers(withExtras), body: JSON.stringify(message), redirect: 'manual', signal: this.deadline.signal });
    return send(this.endpoint.fetcher, request, this.deadline);
  }

  async notify(method: string): Promise<void> {
    const res = await this.post({ jsonrpc: '2.0', method }, false);
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 300) throw statusFailure(res.status, `the upstream MCP server refused ${method}`);
  }

  /** A JSON-RPC request; a JSON-RPC error answer is DISPATCH_UPSTREAM_ERROR. */
  async request(method: string, params: Record<string, unknown>, withExtras = true): Promise<McpAnswer> {
    const id = this.nextId++;
    const res = await this.post({ jsonrpc: '2.0', id, method, params }, withExtras);
    if (method === 'initialize') {
      const sid = res.headers.get('mcp-session-id');
      // A session id is visible ASCII (MCP spec); anything else is not sent back.
      if (sid !== null && /^[\x21-\x7e]{1,512}$/.test(sid)) this.sessionId = sid;
    }
    if (res.status >= 300) {
      await res.body?.cancel().catch(() => undefined);
      throw statusFailure(res.status, `the upstream MCP server answered HTTP ${res.status} to ${method}`);
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    let message: unknown;
    let bytes: Uint8Array;
    if (type === 'text/event-stream') {
      ({ message, bytes } = await readSseResponse(res, id, this.deadline));
    } else if (type === 'application/json') {
      bytes = await readAll(res, this.deadline);
      message = pickResponse(parseJsonBytes(bytes, res.status, `the upstream MCP server's answer to ${method}`), id);
    } else {
      await res.body?.cancel().catch(() => undefined);
      throw new DispatchFailure('DISPATCH_BAD_RESPONSE', `the upstream MCP server answered ${method} with content-type ${clip(type || '(none)', 64)}, not application/json or text/event-stream.`, res.status);
    }
    const ok = JsonRpcResult.safeParse(message);
    if (ok.success && ok.data.id === id) return { result: ok.data.result, bytes, httpStatus: res.status };
    const err = JsonRpcError.safeParse(message);
    if (err.success) {
      throw new DispatchFailure('DISPATCH_UPSTREAM_ERROR', `the upstream MCP server answered ${method} with JSON-RPC error ${err.data.error.code}: ${clip(err.data.error.message)}`, res.status, bytes);
    }
    throw new DispatchFailure('DISPATCH_BAD_RESPONSE', `the upstream MCP server's answer to ${method} is not a JSON-RPC response to it.`, res.status, bytes);
  }
}

function statusFailure(status: number, what: string): DispatchFailure {
  if (status >= 500) return new DispatchFailure('DISPATCH_UPSTREAM_ERROR', `${what}: the server failed. Check the upstream server.`, status);
  if (status >= 400) return new DispatchFailure('DISPATCH_TARGET_REFUSED', `${what}. Check the upstream URL and its credentials (dispatch.auth_secret).`, status);
  return new DispatchFailure('DISPATCH_BAD_RESPONSE', `${what} (redirects are not followed; name the final URL).`, status);
}

/** The response with our id in a JSON answer (a single message, or a batch array). */
function pickResponse(value: unknown, id: number): unknown {
  if (Array.isArray(value)) return value.find((m) => m && typeof m === 'object' && (m as { id?: unknown }).id === id) ?? value[0];
  return value;
}

/**
 * Reads an SSE stream until the event carrying the JSON-RPC response with `id` (requests and
 * notifications the server interleaves are skipped), under the deadline and the byte cap.
 */
async function readSseResponse(res: Response, id: number, deadline: Deadline): Promise<{ message: unknown; bytes: Uint8Array }> {
  if (!res.body) throw new DispatchFailure('DISPATCH_BAD_RESPONSE', 'the upstream MCP server sent an empty event stream.', res.status);
  const reader = res.body.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let buffer = '';
  let total = 0;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await deadline.race(reader.read());
      } catch (err) {
        if (err instanceof DispatchFailure) throw err;
        if (deadline.expired) throw deadline.timeout();
        throw new DispatchFailure('DISPATCH_UNREACHABLE', `the upstream MCP server's event stream broke off (${clip(String((err as Error)?.message ?? err), 200)}).`, res.status);
      }
      if (chunk.done) break;
      total += chunk.value.byteLength;
      if (total > MAX_DISPATCH_RESULT_BYTES) throw new DispatchFailure('DISPATCH_RESULT_TOO_LARGE', `the upstream MCP server streamed more than ${MAX_DISPATCH_RESULT_BYTES} bytes for one tool result.`, res.status);
      try {
        buffer += decoder.decode(chunk.value, { stream: true });
      } catch {
        throw new DispatchFailure('DISPATCH_BAD_RESPONSE', 'the upstream MCP server\'s event stream is not UTF-8.', res.status);
      }
      buffer = buffer.replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = sseData(event);
        // No data, or empty data (a server's priming event for resumption carries only an id).
        if (data === null || data.trim() === '') continue;
        let message: unknown;
        try {
          message = JSON.parse(data);
        } catch {
          throw new DispatchFailure('DISPATCH_BAD_RESPONSE', 'the upstream MCP server sent an event whose data is not JSON.', res.status, utf8(data));
        }
        const m = message as { id?: unknown; result?: unknown; error?: unknown } | null;
        if (m && typeof m === 'object' && m.id === id && ('result' in m || 'error' in m)) return { message, bytes: utf8(data) };
      }
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  throw new DispatchFailure('DISPATCH_BAD_RESPONSE', 'the upstream MCP server closed its event stream without answering the request.', res.status);
}

/** The data of one SSE event of type "message" (null for comments, other types, or no data). */
function sseData(event: string): string | null {
  const data: string[] = [];
  let type = 'message';
  for (const line of event.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') type = value;
  }
  return data.length > 0 && type === 'message' ? data.join('\n') : null;
}
