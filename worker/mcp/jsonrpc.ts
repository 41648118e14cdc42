// JSON-RPC 2.0 as MCP uses it: the message shapes (zod, strict: a member JSON-RPC does not define is
// refused), the error codes, and the builders for what the gateway sends back. Each inbound value
// is classified once; everything after works on the classified message.
import { z } from 'zod';

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** MCP 2026-07-28: the mirrored HTTP headers are missing or do not match the body. */
export const HEADER_MISMATCH = -32020;
/** MCP 2026-07-28: the request's protocol version is not served here. */
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

/** MCP: a request id is a string or an integer, never null. */
export const RequestIdSchema = z.union([z.string().max(1024), z.number().int().refine(Number.isSafeInteger, 'an integer id must be a safe integer')]);
export type RequestId = z.infer<typeof RequestIdSchema>;

const MethodSchema = z.string().min(1).max(256);
/** MCP params are always an object (JSON-RPC's by-position array form is not used). */
const ParamsSchema = z.record(z.string(), z.unknown());

export const JsonRpcRequestSchema = z.object({ jsonrpc: z.literal('2.0'), id: RequestIdSchema, method: MethodSchema, params: ParamsSchema.optional() }).strict();
export const JsonRpcNotificationSchema = z.object({ jsonrpc: z.literal('2.0'), method: MethodSchema, params: ParamsSchema.optional() }).strict();
const ErrorObjectSchema = z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }).strict();
/** A response a client sends back (the gateway never asks the client anything, so it is ignored). */
export const JsonRpcClientResponseSchema = z.union([
  z.object({ jsonrpc: z.literal('2.0'), id: RequestIdSchema, result: z.record(z.string(), z.unknown()) }).strict(),
  z.object({ jsonrpc: z.literal('2.0'), id: RequestIdSchema.optional(), error: ErrorObjectSchema }).strict(),
]);

export type JsonRpcRequest = z.infer<typeof JsonRpcRequestSchema>;
export type JsonRpcNotification = z.infer<typeof JsonRpcNotificationSchema>;

export type Classified =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response' }
  /** Not a JSON-RPC message; `id` is set when a valid one could still be read (the error cites it). */
  | { kind: 'invalid'; id: RequestId | undefined; reason: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** What one JSON value is, as JSON-RPC sees it. */
export function classify(value: unknown): Classified {
  if (!isObject(value)) return { kind: 'invalid', id: undefined, reason: 'A JSON-RPC message is a JSON object.' };
  if ('method' in value) {
    if ('id' in value) {
      const r = JsonRpcRequestSchema.safeParse(value);
      if (r.success) return { kind: 'request', message: r.data };
      const id = RequestIdSchema.safeParse(value['id']);
      return { kind: 'invalid', id: id.success ? id.data : undefined, reason: reasonOf(r.error, 'request') };
    }
    const n = JsonRpcNotificationSchema.safeParse(value);
    if (n.success) return { kind: 'notification', message: n.data };
    return { kind: 'invalid', id: undefined, reason: reasonOf(n.error, 'notification') };
  }
  if (JsonRpcClientResponseSchema.safeParse(value).success) return { kind: 'response' };
  const id = RequestIdSchema.safeParse(value['id']);
  return { kind: 'invalid', id: id.success ? id.data : undefined, reason: 'The message has no "method" and is not a JSON-RPC response.' };
}

function reasonOf(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  if (!issue) return `The JSON-RPC ${what} is malformed.`;
  if (issue.code === 'unrecognized_keys') return `The JSON-RPC ${what} has a member JSON-RPC does not define: ${issue.keys.map((k) => JSON.stringify(k.slice(0, 64))).join(', ')}.`;
  const where = issue.path.length ? issue.path.join('.') : '(root)';
  return `The JSON-RPC ${what} is malformed at ${where}: ${issue.message}.`;
}

/**
 * A JSON-RPC error a method (or the transport) answers with. `httpStatus` is the status a lone
 * request carrying it gets (the revisions differ; see worker/mcp/transport.ts).
 */
export class McpRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
    readonly httpStatus = 200,
  ) {
    super(message);
    this.name = 'McpRpcError';
  }
}

export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id?: RequestId;
  error: { code: number; message: string; data?: unknown };
}

export interface JsonRpcResultResponse {
  jsonrpc: '2.0';
  id: RequestId;
  result: Record<string, unknown>;
}

export type JsonRpcResponse = JsonRpcErrorResponse | JsonRpcResultResponse;

/** An error response; `id` is left out (not null) when the request's id could not be read, as MCP asks. */
export function errorResponse(id: RequestId | undefined, code: number, message: string, data?: unknown): JsonRpcErrorResponse {
  const error: JsonRpcErrorResponse['error'] = data === undefined ? { code, message } : { code, message, data };
  return id === undefined ? { jsonrpc: '2.0', error } : { jsonrpc: '2.0', id, error };
}

export function resultResponse(id: RequestId, result: Record<string, unknown>): JsonRpcResultResponse {
  return { jsonrpc: '2.0', id, result };
}
