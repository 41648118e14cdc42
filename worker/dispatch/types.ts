// The contract between the MCP gateway (worker/mcp/) and dispatch (worker/dispatch/): what the
// gateway hands over after an ALLOW is durable, and what comes back. Implemented in ./dispatch.ts
// (dispatchCall). The gateway calls ./governed.ts `dispatchAndRecord(ctx, call)`: dispatch, then the
// signed outcome record (./outcome.ts), then the result — withheld as an isError
// DISPATCH_OUTCOME_UNRECORDED result when the outcome could not be stored. See docs/dispatch.md.
import type { RequestContext } from '../context.js';
import type { RecordedDecision } from '../decision/decide-and-record.js';

/** An allowed, recorded call to hand to the selected worker's own dispatch target. */
export interface DispatchCall {
  recorded: RecordedDecision;
  /** The MCP tool name (= capability id). */
  tool: string;
  /**
   * The tool arguments. Must equal recorded.input.request.arguments (what artifact_hash covers):
   * the dispatcher sends those, and refuses with DISPATCH_ARGUMENTS_MISMATCH when they differ.
   */
  arguments: Record<string, unknown>;
}

/**
 * An MCP CallToolResult as the worker returned it (validated with src/dispatch/envelope.ts
 * ToolResultSchema; structuredContent checked against the tool's output_schema). `_meta` holds the
 * worker's own keys only: "org.edgehall/wcp" is never taken from a worker.
 */
export interface ToolResult {
  content: unknown[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

/** What ran and what it returned: the outcome record is built from this. */
export interface DispatchOutcome {
  /** ok: the worker answered a valid result (which may itself be isError); failed: DISPATCH_* below. */
  status: 'ok' | 'failed';
  /**
   * When failed (./exchange.ts DispatchFailureCode): DISPATCH_NO_TARGET (no usable dispatch block),
   * DISPATCH_NOT_ALLOWED (not an ALLOW / a dry run), DISPATCH_ARGUMENTS_MISMATCH,
   * DISPATCH_TARGET_FORBIDDEN (the Hall's dispatch rules refuse the target), DISPATCH_SECRET_MISSING,
   * DISPATCH_TIMEOUT, DISPATCH_UNREACHABLE, DISPATCH_TARGET_REFUSED (the worker answered 4xx),
   * DISPATCH_UPSTREAM_ERROR (5xx, or a JSON-RPC error from an upstream MCP server),
   * DISPATCH_BAD_RESPONSE, DISPATCH_RESULT_TOO_LARGE, DISPATCH_HALL_ERROR.
   */
  errorCode: string | null;
  /** A sentence for the caller when failed. */
  message: string | null;
  /** HTTP status the target answered, when there was one. */
  httpStatus: number | null;
  durationMs: number;
  /** SHA-256 hex of the exact result bytes the target returned (null when nothing came back). */
  resultSha256: string | null;
  result: ToolResult | null;
}

export type Dispatcher = (ctx: RequestContext, call: DispatchCall) => Promise<DispatchOutcome>;
