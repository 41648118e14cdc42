// The errors the stdio bridge answers on its own, as JSON-RPC error responses for the request they
// concern, so an MCP client is never left waiting. Each has a stable code in `data.code` and a
// sentence that says what to do. Failures of the bridge itself (the Hall unreachable, refused the
// token, answered garbage, timed out) use numbers outside JSON-RPC's reserved -32768..-32000 range,
// as the MCP specification asks of local errors, so they cannot be mistaken for the Hall's own;
// a malformed line on stdin is a plain JSON-RPC parse error or invalid request.

export type JsonRpcId = string | number;

export const BRIDGE_ERRORS = {
  MCP_BRIDGE_PARSE_ERROR: -32700,
  MCP_BRIDGE_INVALID_MESSAGE: -32600,
  MCP_BRIDGE_LINE_TOO_LONG: -32600,
  MCP_BRIDGE_UNREACHABLE: -31001,
  MCP_BRIDGE_UNAUTHORIZED: -31002,
  MCP_BRIDGE_HTTP_ERROR: -31003,
  MCP_BRIDGE_BAD_RESPONSE: -31004,
  MCP_BRIDGE_TIMEOUT: -31005,
  MCP_BRIDGE_SESSION_EXPIRED: -31006,
} as const;

export type BridgeErrorCode = keyof typeof BRIDGE_ERRORS;

export interface BridgeErrorData {
  code: BridgeErrorCode;
  /** The Hall's HTTP status, when it answered. */
  http_status?: number;
  /** The Hall's problem+json `code`, when it sent one. */
  hall_code?: string;
}

export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: { code: number; message: string; data: BridgeErrorData };
}

export function bridgeError(id: JsonRpcId | null, code: BridgeErrorCode, message: string, extra: Omit<BridgeErrorData, 'code'> = {}): JsonRpcErrorResponse {
  return { jsonrpc: '2.0', id, error: { code: BRIDGE_ERRORS[code], message, data: { code, ...extra } } };
}
