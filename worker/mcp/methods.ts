// The MCP methods the gateway serves, per era, and how one request is answered: version resolved,
// mirrored headers checked (2026-07-28), the method run, its result finished for the era. Errors
// become JSON-RPC errors here; the HTTP status they travel with is chosen by worker/mcp/transport.ts.
import { HallHttpError } from '../http/problem.js';
import type { McpCall, McpMethod, McpParams } from './call-context.js';
import { INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, McpRpcError, errorResponse, resultResponse, type JsonRpcRequest, type JsonRpcResponse } from './jsonrpc.js';
import { checkStandardHeaders } from './mirrored-headers.js';
import { META_SERVER_INFO, requestVersion, type RequestVersion } from './request-version.js';
import { INSTRUCTIONS, SERVER_INFO } from './server-info.js';
import { callTool } from './tools-call.js';
import { listTools } from './tools-list.js';
import { SUPPORTED_VERSIONS, type Era } from './versions.js';

interface MethodSpec {
  eras: readonly Era[];
  run: McpMethod;
}

const BOTH: readonly Era[] = ['modern', 'legacy'];

/** The 2025 handshake: answered without a session (nothing is kept; the next POST stands alone). */
const initialize: McpMethod = async (call) => ({
  protocolVersion: call.version.version,
  capabilities: { tools: { listChanged: false } },
  serverInfo: { ...SERVER_INFO },
  instructions: INSTRUCTIONS,
});

const discover: McpMethod = async () => ({
  supportedVersions: [...SUPPORTED_VERSIONS],
  capabilities: { tools: {} },
  instructions: INSTRUCTIONS,
  ttlMs: 3_600_000,
  cacheScope: 'public',
});

const METHODS: Record<string, MethodSpec> = {
  initialize: { eras: ['legacy'], run: initialize },
  // 2026-07-28 removed ping; handshake-era clients still send it.
  ping: { eras: ['legacy'], run: async () => ({}) },
  'server/discover': { eras: BOTH, run: discover },
  'tools/list': { eras: BOTH, run: listTools },
  'tools/call': { eras: BOTH, run: async (call, params) => callTool(call, params) },
};

/** 2026-07-28 results carry resultType and the server's identity in `_meta`. */
function finish(result: Record<string, unknown>, version: RequestVersion): Record<string, unknown> {
  if (version.era !== 'modern') return result;
  const meta = result['_meta'] && typeof result['_meta'] === 'object' ? (result['_meta'] as Record<string, unknown>) : {};
  return { resultType: 'complete', ...result, _meta: { ...meta, [META_SERVER_INFO]: { ...SERVER_INFO } } };
}

/** A Hall refusal outside tools/call (e.g. the tenant of a tools/list) as a JSON-RPC error. */
function fromHallError(err: HallHttpError): McpRpcError {
  return new McpRpcError(err.status < 500 ? INVALID_PARAMS : INTERNAL_ERROR, `${err.code}: ${err.message}`, { code: err.code, status: err.status });
}

export interface Answered {
  response: JsonRpcResponse;
  /** HTTP status when this is the only message of the POST. */
  status: number;
}

export type CallBase = Omit<McpCall, 'version'>;

/** Answers one JSON-RPC request; never throws. `inBatch`: initialize may not be batched (2025-03-26). */
export async function answerRequest(base: CallBase, request: JsonRpcRequest, inBatch = false): Promise<Answered> {
  const { id, method, params } = request;
  let era: Era = 'legacy';
  try {
    const version = requestVersion(base.ctx.request.headers, method, params);
    era = version.era;
    if (version.era === 'modern') checkStandardHeaders(base.ctx.request.headers, method, params);
    const spec = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (!spec || !spec.eras.includes(version.era)) {
      throw new McpRpcError(METHOD_NOT_FOUND, `Method not found: ${method.slice(0, 128)}. This gateway serves ${Object.keys(METHODS).filter((m) => METHODS[m]!.eras.includes(version.era)).join(', ')} at protocol version ${version.version}.`);
    }
    if (inBatch && method === 'initialize') throw new McpRpcError(INVALID_REQUEST, 'initialize must not be part of a JSON-RPC batch.');
    const result = await spec.run({ ...base, version }, params as McpParams);
    return { response: resultResponse(id, finish(result, version)), status: 200 };
  } catch (err) {
    const e = err instanceof McpRpcError ? err : err instanceof HallHttpError ? fromHallError(err) : internal(err);
    return { response: errorResponse(id, e.code, e.message, e.data), status: statusOf(e, era) };
  }
}

function internal(err: unknown): McpRpcError {
  // Unknown failures never leak internals; they are logged without request data.
  console.error('edgehall: MCP method failed', err instanceof Error ? `${err.name}: ${err.message}` : String(err));
  return new McpRpcError(INTERNAL_ERROR, 'The gateway hit an unexpected error. Retry; if it persists, report it with the time of the request.');
}

/** 2026-07-28: an unknown method is HTTP 404 (so a client can tell it from a legacy server's 404 by the body). */
function statusOf(e: McpRpcError, era: Era): number {
  if (e.code === METHOD_NOT_FOUND && era === 'modern') return 404;
  return e.httpStatus;
}
