// dispatchCall: sends an allowed, recorded decision to the selected worker's own dispatch target
// and reports what came back. The target is read from that worker's record in the snapshot the
// decision was made on — never from the caller — and re-checked against the Hall's dispatch rules
// (target-policy.ts) before anything leaves. Upstream credentials are Worker secrets named by the
// record (scoped to its namespace) and sent as a bearer token; the caller's token never is.
//   https    JSON POST of the envelope (src/dispatch/envelope.ts) to the URL
//   service  the same POST through a Service binding listed in HALL_DISPATCH_SERVICES
//   mcp      tools/call on an upstream MCP server, envelope in params._meta["org.edgehall/wcp"]
// Never throws for a target's behaviour: every failure is an outcome with a DISPATCH_* code.
import { Validator } from '@cfworker/json-schema';
import { DISPATCH_DECISION_HEADER, DISPATCH_ENVELOPE_VERSION, DISPATCH_META_KEY, DISPATCH_RECEIPT_HEADER, ToolResultSchema, dispatchArguments, type DispatchEnvelope, type ToolResultWire } from '../../src/dispatch/envelope.js';
import { DispatchTargetSchema, ToolSpecSchema, type DispatchTarget, type ToolSpec } from '../../src/routing/index.js';
import { canonicalJson, sha256Hex } from '../../src/util/index.js';
import type { RequestContext } from '../context.js';
import type { RecordedDecision } from '../decision/decide-and-record.js';
import { Deadline, DEFAULT_DISPATCH_TIMEOUT_MS, DispatchFailure, parseJsonBytes, readAll, send, type TargetFetcher } from './exchange.js';
import { McpUpstream, type McpAnswer, type McpSession } from './mcp-client.js';
import { dispatchPolicyOf, dispatchTargetProblems } from './target-policy.js';
import type { DispatchCall, DispatchOutcome, Dispatcher, ToolResult } from './types.js';

/** The selected worker's own record, its namespace and its dispatch target, as the Hall holds them. */
export interface DispatchPlan {
  workerId: string;
  namespace: string;
  target: DispatchTarget;
  tool: ToolSpec | undefined;
}

/** What the Hall knows about where `recorded` goes; a DispatchFailure when it may not go anywhere. */
export function planDispatch(ctx: RequestContext, recorded: RecordedDecision): DispatchPlan {
  const { decision, receipt, input, workerId, snapshot } = recorded;
  if (decision.denied || receipt.policy_decision !== 'ALLOW' || input.dry_run || receipt.dry_run !== false) {
    throw new DispatchFailure('DISPATCH_NOT_ALLOWED', 'only an allowed, real (not dry-run) decision is dispatched.');
  }
  const record = workerId === null ? undefined : snapshot.workers.get(workerId);
  const namespace = workerId === null ? undefined : snapshot.namespaceOfWorker.get(workerId);
  if (workerId === null || !record || !namespace || record['worker_species_id'] !== decision.selected_worker_species_id) {
    throw new DispatchFailure('DISPATCH_NO_TARGET', 'the selected worker has no enrolled record to dispatch to. The decision is recorded; enroll the worker with a dispatch block to run it through the Hall.');
  }
  const parsed = DispatchTargetSchema.safeParse(record['dispatch']);
  if (record['dispatch'] === undefined || !parsed.success) {
    throw new DispatchFailure('DISPATCH_NO_TARGET', `${workerId} has no usable dispatch target, so the Hall only advises for it. Re-enroll it with a "dispatch" block (https, service or mcp).`);
  }
  const problems = dispatchTargetProblems(parsed.data, namespace, dispatchPolicyOf(ctx.env));
  if (problems.length > 0) {
    throw new DispatchFailure('DISPATCH_TARGET_FORBIDDEN', `${workerId}'s dispatch target is not allowed by this Hall: ${problems[0]!.message}.`);
  }
  const tools = record['tools'];
  const specRaw = tools && typeof tools === 'object' ? (tools as Record<string, unknown>)[input.capability_id] : undefined;
  const spec = specRaw === undefined ? undefined : ToolSpecSchema.safeParse(specRaw);
  return { workerId, namespace, target: parsed.data, tool: spec?.success ? spec.data : undefined };
}

/** `Bearer <secret>` for the target's auth_secret (already checked to be of its namespace). */
function authorization(ctx: RequestContext, target: DispatchTarget): string | undefined {
  if (target.kind === 'service' || target.auth_secret === undefined) return undefined;
  const value = (ctx.env as unknown as Record<string, unknown>)[target.auth_secret];
  if (typeof value !== 'string' || value.length === 0) {
    throw new DispatchFailure('DISPATCH_SECRET_MISSING', `the dispatch secret ${target.auth_secret} is not set on this Hall, so the call was not sent. The operator sets it with \`wrangler secret put ${target.auth_secret}\`.`);
  }
  if (!/^[\x21-\x7e]{1,4096}$/.test(value)) {
    throw new DispatchFailure('DISPATCH_SECRET_MISSING', `the dispatch secret ${target.auth_secret} is not a usable bearer token (visible ASCII, at most 4096 characters). The operator must set it again.`);
  }
  return `Bearer ${value}`;
}

function envelopeOf(recorded: RecordedDecision): DispatchEnvelope {
  return { wcp_dispatch: DISPATCH_ENVELOPE_VERSION, tool: recorded.input.capability_id, route_input: recorded.input as DispatchEnvelope['route_input'], decision_id: recorded.decision.decision_id, receipt: recorded.receipt };
}

const GLOBAL_FETCH: TargetFetcher = { fetch: (r) => fetch(r) };

function fetcherFor(ctx: RequestContext, target: DispatchTarget): TargetFetcher {
  if (target.kind !== 'service') return GLOBAL_FETCH;
  const binding = (ctx.env as unknown as Record<string, unknown>)[target.service] as { fetch?: unknown } | undefined;
  if (!binding || typeof binding.fetch !== 'function') {
    throw new DispatchFailure('DISPATCH_TARGET_FORBIDDEN', `the Service binding ${target.service} is listed for dispatch but not bound to this Hall. The operator adds it to wrangler.toml ([[services]]).`);
  }
  return { fetch: (r) => (binding as Fetcher).fetch(r) };
}

interface Answer {
  result: ToolResultWire;
  bytes: Uint8Array;
  httpStatus: number;
}

/** https / service: POST the envelope; 200 + CallToolResult JSON is the only success. */
async function postEnvelope(ctx: RequestContext, plan: DispatchPlan, envelope: DispatchEnvelope, deadline: Deadline): Promise<Answer> {
  const target = plan.target;
  const url = target.kind === 'service' ? `https://${target.service.toLowerCase()}.service${target.path ?? '/'}` : (target as { url: string }).url;
  const headers = new Headers({
    'content-type': 'application/json',
    accept: 'application/json',
    'user-agent': 'edgehall-dispatch/1',
    [DISPATCH_DECISION_HEADER]: envelope.decision_id,
    [DISPATCH_RECEIPT_HEADER]: envelope.receipt.receipt_id,
  });
  const auth = authorization(ctx, target);
  if (auth) headers.set('authorization', auth);
  const fetcher = fetcherFor(ctx, target);
  const request = new Request(url, { method: 'POST', headers, body: JSON.stringify(envelope), redirect: 'manual', signal: deadline.signal });
  const res = await send(fetcher, request, deadline);
  const bytes = await readAll(res, deadline);
  const status = res.status;
  if (status >= 500) throw new DispatchFailure('DISPATCH_UPSTREAM_ERROR', `the worker answered HTTP ${status}${workerSays(bytes)}. It failed; the call may be retried once it is fixed.`, status, bytes);
  if (status >= 400) throw new DispatchFailure('DISPATCH_TARGET_REFUSED', `the worker refused the dispatch with HTTP ${status}${workerSays(bytes)}.`, status, bytes);
  if (status !== 200) throw new DispatchFailure('DISPATCH_BAD_RESPONSE', `the worker answered HTTP ${status}; a dispatch is answered with 200 and a tool result (redirects are not followed).`, status, bytes);
  return { result: toolResult(parseJsonBytes(bytes, status, "the worker's answer"), status, bytes), bytes, httpStatus: status };
}

/** The worker's own explanation (the first text block of an error result), for the caller. */
function workerSays(bytes: Uint8Array): string {
  try {
    const r = ToolResultSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    const first = r.success ? r.data.content.find((c) => c.type === 'text') : undefined;
    if (first && first.type === 'text') return ` (${first.text.slice(0, 300)})`;
  } catch {
    // not JSON: nothing to quote
  }
  return '';
}

/** A CallToolResult, or DISPATCH_BAD_RESPONSE naming the first problem. */
function toolResult(value: unknown, status: number, bytes: Uint8Array): ToolResultWire {
  const r = ToolResultSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    const where = i ? `${i.path.join('.') || '(root)'}: ${i.message}` : 'unknown problem';
    throw new DispatchFailure('DISPATCH_BAD_RESPONSE', `the worker's answer is not an MCP tool result (${where}). A worker answers {"content": [...], "structuredContent"?, "isError"?}.`, status, bytes);
  }
  return r.data;
}

// Upstream MCP sessions, reused across calls of one worker (an isolate-wide map of plain data, never
// a pending promise): a call then costs one round trip instead of three. Keyed by worker, URL and
// credential, so no two workers — or credentials — ever share a session's state.
const MAX_SESSIONS = 256;
const SESSION_TTL_MS = 10 * 60_000;
const upstreamSessions = new Map<string, McpSession & { at: number }>();

function sessionKey(workerId: string, url: string, auth: string | undefined): string {
  return `${workerId}\n${url}\n${auth === undefined ? '' : sha256Hex(auth)}`;
}

function cachedSession(key: string): McpSession | null {
  const s = upstreamSessions.get(key);
  if (!s) return null;
  if (Date.now() - s.at > SESSION_TTL_MS) {
    upstreamSessions.delete(key);
    return null;
  }
  return s;
}

function keepSession(key: string, session: McpSession | null): void {
  if (session === null) return;
  if (upstreamSessions.size >= MAX_SESSIONS) upstreamSessions.delete(upstreamSessions.keys().next().value!);
  upstreamSessions.set(key, { ...session, at: Date.now() });
}

/** A resumed session the upstream no longer knows: it refused the request at the transport. */
const sessionGone = (err: unknown): boolean => err instanceof DispatchFailure && (err.httpStatus === 404 || err.httpStatus === 400);

/** mcp: tools/call on the upstream with the arguments and the envelope in _meta. */
async function callUpstream(ctx: RequestContext, plan: DispatchPlan, envelope: DispatchEnvelope, deadline: Deadline): Promise<Answer> {
  const target = plan.target as Extract<DispatchTarget, { kind: 'mcp' }>;
  const auth = authorization(ctx, target);
  const endpoint = {
    url: target.url,
    fetcher: GLOBAL_FETCH,
    ...(auth ? { authorization: auth } : {}),
    headers: { [DISPATCH_DECISION_HEADER]: envelope.decision_id, [DISPATCH_RECEIPT_HEADER]: envelope.receipt.receipt_id },
  };
  const params = { name: plan.tool?.upstream_tool ?? envelope.tool, arguments: dispatchArguments(envelope.route_input), _meta: { [DISPATCH_META_KEY]: envelope } };
  const key = sessionKey(plan.workerId, target.url, auth);
  const resumed = cachedSession(key);
  let answer: McpAnswer | undefined;
  if (resumed) {
    const upstream = new McpUpstream(endpoint, deadline);
    upstream.resume(resumed);
    try {
      answer = await upstream.request('tools/call', params);
    } catch (err) {
      // The session expired upstream (the call was refused, not run): start a new one, once.
      if (!sessionGone(err)) throw err;
      upstreamSessions.delete(key);
    }
  }
  if (!answer) {
    const upstream = new McpUpstream(endpoint, deadline);
    await upstream.initialize();
    keepSession(key, upstream.session);
    answer = await upstream.request('tools/call', params);
  }
  const { content, structuredContent, isError } = answer.result as Record<string, unknown>;
  const picked = { content, ...(structuredContent !== undefined ? { structuredContent } : {}), ...(isError !== undefined ? { isError } : {}) };
  return { result: toolResult(picked, answer.httpStatus, answer.bytes), bytes: answer.bytes, httpStatus: answer.httpStatus };
}

// Compiled output schemas, by their canonical JSON (a Validator holds no I/O, so sharing is safe).
const outputValidators = new Map<string, Validator>();

/** An ok result with structuredContent must match the tool's output_schema (MCP: servers MUST). */
function checkOutput(plan: DispatchPlan, answer: Answer): void {
  const schema = plan.tool?.output_schema;
  if (!schema || answer.result.isError === true) return;
  if (answer.result.structuredContent === undefined) {
    throw new DispatchFailure('DISPATCH_BAD_RESPONSE', "the tool declares an output schema but the worker's result has no structuredContent.", answer.httpStatus, answer.bytes);
  }
  const key = canonicalJson(schema);
  let v = outputValidators.get(key);
  if (!v) {
    if (outputValidators.size >= 500) outputValidators.clear();
    v = new Validator(structuredClone(schema) as object, '2020-12', true);
    outputValidators.set(key, v);
  }
  let ok = false;
  try {
    ok = v.validate(answer.result.structuredContent).valid;
  } catch {
    ok = false;
  }
  if (!ok) throw new DispatchFailure('DISPATCH_BAD_RESPONSE', "the worker's structuredContent does not match the tool's output schema.", answer.httpStatus, answer.bytes);
}

/** The result as handed on: our own _meta key is never taken from a worker. */
function handedOn(result: ToolResultWire): ToolResult {
  const meta = result._meta ? Object.fromEntries(Object.entries(result._meta).filter(([k]) => k !== DISPATCH_META_KEY)) : undefined;
  const { _meta: _m, ...rest } = result;
  return { ...rest, ...(meta && Object.keys(meta).length > 0 ? { _meta: meta } : {}) } as ToolResult;
}

function failed(err: DispatchFailure, startedAt: number): DispatchOutcome {
  return {
    status: 'failed',
    errorCode: err.code,
    message: err.message,
    httpStatus: err.httpStatus,
    durationMs: Math.max(0, Math.round(Date.now() - startedAt)),
    resultSha256: err.bytes ? sha256Hex(err.bytes) : null,
    result: null,
  };
}

export const dispatchCall: Dispatcher = async (ctx: RequestContext, call: DispatchCall): Promise<DispatchOutcome> => {
  const startedAt = Date.now();
  let deadline: Deadline | null = null;
  try {
    const plan = planDispatch(ctx, call.recorded);
    // One source of truth for the tool and its arguments: what the decision and artifact_hash cover.
    const input = call.recorded.input;
    if (call.tool !== input.capability_id || canonicalJson(call.arguments) !== canonicalJson(dispatchArguments(input))) {
      throw new DispatchFailure('DISPATCH_ARGUMENTS_MISMATCH', 'the tool or arguments handed to dispatch differ from those the decision covers (capability_id, request.arguments); nothing was sent.');
    }
    const envelope = envelopeOf(call.recorded);
    deadline = new Deadline(plan.target.timeout_ms ?? DEFAULT_DISPATCH_TIMEOUT_MS);
    const answer = plan.target.kind === 'mcp' ? await callUpstream(ctx, plan, envelope, deadline) : await postEnvelope(ctx, plan, envelope, deadline);
    checkOutput(plan, answer);
    return {
      status: 'ok',
      errorCode: null,
      message: null,
      httpStatus: answer.httpStatus,
      durationMs: Math.max(0, Math.round(Date.now() - startedAt)),
      resultSha256: sha256Hex(answer.bytes),
      result: handedOn(answer.result),
    };
  } catch (err) {
    if (err instanceof DispatchFailure) return failed(err, startedAt);
    // Anything else is a fault of ours; still an outcome, never a crash of the call.
    return failed(new DispatchFailure('DISPATCH_HALL_ERROR', `the dispatch failed inside the Hall (${String((err as Error)?.message ?? err).slice(0, 200)}).`), startedAt);
  } finally {
    deadline?.clear();
  }
};
