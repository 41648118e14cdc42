// tools/call: authorize → parse → who would run it and are the arguments right for that worker →
// the shared decide-and-receipt path (the same one /route uses) → dispatch when allowed → the
// outcome record → answer. Protocol faults (unknown tool, bad arguments, malformed params) are
// JSON-RPC errors; everything the Hall decides or refuses is a result (worker/mcp/call-result.ts).
import { z } from 'zod';
import type { RequestContext } from '../context.js';
import { decideAndRecord, type RecordedDecision } from '../decision/decide-and-record.js';
import type { DispatchOutcome } from '../dispatch/types.js';
import { zodIssues } from '../http/body.js';
import { HallHttpError } from '../http/problem.js';
import { RouteRequestSchema } from '../schemas.js';
import { currentSnapshot } from '../state.js';
import { checkArguments } from './arguments.js';
import { callRouteRequest, callTenant, previewInput, routingChoice, type CallTenant } from './call-input.js';
import type { McpCall, McpParams } from './call-context.js';
import { deniedResult, dispatchedResult, dryRunResult, refusedResult, type CallToolResult } from './call-result.js';
import { dispatcherOf, recordOutcomeOf } from './dispatch-port.js';
import { INTERNAL_ERROR, INVALID_PARAMS, McpRpcError } from './jsonrpc.js';
import { checkParamHeaders } from './mirrored-headers.js';
import { metaOf } from './request-version.js';
import { isKnownCapability, rehearse, type ToolTarget } from './tool-catalog.js';
import { WcpCallMetaSchema, correlationIdFor, wcpMetaOf } from './wcp-meta.js';

/** The params the gateway reads; other members (task, inputResponses, …) are not used and ignored. */
const CallParamsSchema = z.looseObject({
  name: z.string().min(1).max(256),
  arguments: z.record(z.string(), z.unknown()).optional(),
});

function invalidParams(what: string, error: z.ZodError): McpRpcError {
  const issues = zodIssues(error);
  const first = issues[0];
  return new McpRpcError(INVALID_PARAMS, `${what} is invalid${first ? ` at ${first.path.join('.') || '(root)'}: ${first.message}` : ''}.`, { issues });
}

export async function callTool(call: McpCall, params: McpParams): Promise<CallToolResult> {
  const { ctx, timer } = call;
  const parsed = CallParamsSchema.safeParse(params ?? {});
  if (!parsed.success) throw invalidParams('The tools/call params', parsed.error);
  const tool = parsed.data.name;
  const args = parsed.data.arguments ?? {};
  const meta = metaOf(params);
  const wcp = wcpMetaOf(meta, WcpCallMetaSchema);
  const correlationId = correlationIdFor(wcp.correlation_id, meta, ctx.request.headers);

  let tenant: CallTenant;
  try {
    tenant = await callTenant(ctx, call.principal, wcp.tenant_id);
  } catch (err) {
    if (err instanceof HallHttpError) return refusedResult(err, correlationId, wcp.dry_run === true);
    throw err;
  }

  const snap = await currentSnapshot(ctx);
  if (!isKnownCapability(snap, tool)) throw new McpRpcError(INVALID_PARAMS, `Unknown tool: ${tool.slice(0, 256)}. tools/list names the tools this token may call.`);
  // Arguments are checked against the schema of the worker that would run the call, before anything
  // is recorded. When the rehearsal says the call would be denied, the decision below says why. The
  // rehearsal leaves the arguments out: no decision step reads inside request.arguments, and large
  // arguments are then hashed once (by the real decision), not twice.
  const expected = rehearse(snap, previewInput(tenant.tenantId, tool, routingChoice(tenant.facts, wcp)), tenant.facts);
  if (expected) assertArguments(call, expected, args);
  timer.mark('mcp');

  const body = RouteRequestSchema.safeParse(callRouteRequest(tenant, tool, args, wcp, correlationId));
  if (!body.success) throw invalidParams('The call', body.error);
  let recorded: RecordedDecision;
  try {
    recorded = await decideAndRecord(ctx, call.principal, body.data, timer);
  } catch (err) {
    if (err instanceof HallHttpError) return refusedResult(err, correlationId, wcp.dry_run === true);
    throw err;
  }
  return afterDecision(ctx, recorded, tool, args, expected);
}

function assertArguments(call: McpCall, target: ToolTarget, args: Record<string, unknown>): void {
  const check = checkArguments(target.inputSchema, args);
  if (!check.ok && 'unusable' in check) {
    throw new McpRpcError(INTERNAL_ERROR, `Tool ${target.capabilityId} cannot be called: the input schema in worker ${target.workerId}'s record is unusable (${check.unusable}). Ask the worker's owner to enroll a fixed record.`, { code: 'TOOL_SCHEMA_UNUSABLE', worker_id: target.workerId });
  }
  if (!check.ok) {
    const first = check.issues[0]!;
    throw new McpRpcError(INVALID_PARAMS, `Invalid arguments for tool ${target.capabilityId}: ${first.path.length ? first.path.join('.') : '(root)'} ${first.message}`, { code: 'INVALID_ARGUMENTS', issues: check.issues });
  }
  if (call.version.era === 'modern') checkParamHeaders(call.ctx.request.headers, target.inputSchema, args);
}

/** What follows a durable decision: a denial or a dry run answers now; an allowed call is dispatched. */
async function afterDecision(ctx: RequestContext, recorded: RecordedDecision, tool: string, args: Record<string, unknown>, expected: ToolTarget | null): Promise<CallToolResult> {
  if (recorded.decision.denied) return deniedResult(recorded);
  if (recorded.input.dry_run) return dryRunResult(recorded);
  // The arguments were checked against the rehearsed worker's record. Should the registry have
  // changed in between and the decision have selected another worker (or record), the call is not
  // dispatched unchecked: it fails, on record, and the caller retries.
  const outcome = sameWorker(recorded, expected)
    ? await dispatch(ctx, recorded, tool, args)
    : failedOutcome('DISPATCH_TARGET_CHANGED', 'The worker selected for this call changed while it was being decided. Call the tool again.');
  const outcomeRecord = await recordOutcomeOf(ctx, recorded, outcome);
  return dispatchedResult(recorded, outcome, outcomeRecord);
}

function sameWorker(recorded: RecordedDecision, expected: ToolTarget | null): boolean {
  return expected !== null && recorded.workerId === expected.workerId && recorded.snapshot.workers.get(expected.workerId) === expected.record;
}

async function dispatch(ctx: RequestContext, recorded: RecordedDecision, tool: string, args: Record<string, unknown>): Promise<DispatchOutcome> {
  try {
    return await dispatcherOf(ctx)(ctx, { recorded, tool, arguments: args });
  } catch (err) {
    // A dispatcher answers with an outcome; should it throw, the call failed, and that is recorded.
    console.error('edgehall: dispatcher threw', err instanceof Error ? err.name : 'error');
    return failedOutcome('DISPATCH_FAILED', 'The gateway could not dispatch the call. Retry; if it persists, report it with the decision id.');
  }
}

function failedOutcome(code: string, message: string): DispatchOutcome {
  return { status: 'failed', errorCode: code, message, httpStatus: null, durationMs: 0, resultSha256: null, result: null };
}
