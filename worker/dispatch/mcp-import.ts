// Importing an upstream MCP server as one worker record: its tools/list (paged, bounded) becomes the
// record's capabilities and `tools`, under capability ids the caller chooses ({upstream_tool:
// capability_id}), with a dispatch block of kind "mcp" pointing back at the server. The record is
// then enrolled through the normal enrollment path (ownership, species, artifact_hash, the dispatch
// rules) — or returned unenrolled, for a namespace whose enrollments must be signed.
import { z } from 'zod';
import { isWcpId } from '../../src/routing/ids.js';
import type { DispatchTarget } from '../../src/routing/index.js';
import { enrollmentArtifactHash } from '../../src/routing/enrollment-hash.js';
import type { RequestContext } from '../context.js';
import { HallHttpError } from '../http/problem.js';
import { Deadline, DEFAULT_DISPATCH_TIMEOUT_MS, DispatchFailure } from './exchange.js';
import { McpUpstream } from './mcp-client.js';
import { dispatchPolicyOf, dispatchTargetProblems } from './target-policy.js';

export const MAX_IMPORTED_TOOLS = 256;
const MAX_LISTED_TOOLS = 1000;
const MAX_LIST_PAGES = 20;
const MAX_TEXT = 2000;
const MAX_TITLE = 256;

/** Record fields the import builds itself; the caller's `record` may not set them. */
const BUILT_FIELDS = ['worker_id', 'worker_species_id', 'capabilities', 'dispatch', 'tools', 'artifact_hash'] as const;

const UpstreamTool = z.looseObject({
  name: z.string().min(1).max(256),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  annotations: z.looseObject({ title: z.string().optional() }).optional(),
});
const ToolsListResult = z.looseObject({ tools: z.array(z.unknown()).max(MAX_LISTED_TOOLS), nextCursor: z.string().max(1024).optional() });
type UpstreamTool = z.infer<typeof UpstreamTool>;

export interface ImportRequest {
  workerId: string;
  namespace: string;
  url: string;
  authSecret?: string | undefined;
  timeoutMs?: number | undefined;
  speciesId: string;
  /** upstream tool name → capability id */
  tools: Record<string, string>;
  /** Further record fields (risk_tier, description, allowed_environments, …). */
  record: Record<string, unknown>;
}

function importFailed(err: DispatchFailure): HallHttpError {
  return new HallHttpError(502, 'MCP_IMPORT_UPSTREAM_FAILED', `The upstream MCP server's tools could not be listed: ${err.message}`, { dispatch_code: err.code, http_status: err.httpStatus });
}

/** Every tool the upstream lists (following nextCursor, bounded in pages and tools). */
export async function listUpstreamTools(ctx: RequestContext, target: Extract<DispatchTarget, { kind: 'mcp' }>): Promise<UpstreamTool[]> {
  let authorization: string | undefined;
  if (target.auth_secret !== undefined) {
    const value = (ctx.env as unknown as Record<string, unknown>)[target.auth_secret];
    if (typeof value !== 'string' || value.length === 0) {
      throw new HallHttpError(422, 'DISPATCH_SECRET_MISSING', `The dispatch secret ${target.auth_secret} is not set on this Hall, so the upstream cannot be asked for its tools. The operator sets it with \`wrangler secret put ${target.auth_secret}\`.`);
    }
    authorization = `Bearer ${value}`;
  }
  const deadline = new Deadline(target.timeout_ms ?? DEFAULT_DISPATCH_TIMEOUT_MS);
  const upstream = new McpUpstream({ url: target.url, fetcher: { fetch: (r) => fetch(r) }, ...(authorization ? { authorization } : {}) }, deadline);
  const tools: UpstreamTool[] = [];
  try {
    await upstream.initialize();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const answer = await upstream.request('tools/list', cursor === undefined ? {} : { cursor });
      const listed = ToolsListResult.safeParse(answer.result);
      if (!listed.success) throw new DispatchFailure('DISPATCH_BAD_RESPONSE', 'its tools/list answer is not a ListToolsResult.', answer.httpStatus);
      for (const t of listed.data.tools) {
        const tool = UpstreamTool.safeParse(t);
        if (tool.success) tools.push(tool.data);
        if (tools.length >= MAX_LISTED_TOOLS) return tools;
      }
      cursor = listed.data.nextCursor;
      if (cursor === undefined) break;
    }
    return tools;
  } catch (err) {
    if (err instanceof DispatchFailure) throw importFailed(err);
    throw err;
  } finally {
    deadline.clear();
    ctx.waitUntil(upstream.close());
  }
}

const clip = (s: string | undefined, n: number): string | undefined => (s === undefined ? undefined : s.length > n ? s.slice(0, n - 1) + '…' : s);

/** Checks the request before anything is sent upstream (no probing of hosts the Hall may not call). */
export function checkImportRequest(ctx: RequestContext, req: ImportRequest): Extract<DispatchTarget, { kind: 'mcp' }> {
  const entries = Object.entries(req.tools);
  if (entries.length === 0 || entries.length > MAX_IMPORTED_TOOLS) {
    throw new HallHttpError(400, 'INVALID_INPUT', `"tools" maps 1 to ${MAX_IMPORTED_TOOLS} upstream tool names to capability ids.`, { issues: [{ path: ['tools'], message: `holds ${entries.length} entries` }] });
  }
  const caps = new Set<string>();
  for (const [name, cap] of entries) {
    if (!isWcpId('cap', cap)) throw new HallHttpError(400, 'INVALID_INPUT', `${String(cap).slice(0, 100)} is not a capability id (cap.<domain>.<name>).`, { issues: [{ path: ['tools', name], message: 'must be a WCP capability id (cap.…)' }] });
    if (caps.has(cap)) throw new HallHttpError(400, 'INVALID_INPUT', `${cap} is mapped twice; each capability runs one upstream tool.`, { issues: [{ path: ['tools', name], message: 'capability already mapped' }] });
    caps.add(cap);
  }
  for (const f of BUILT_FIELDS) {
    if (f in req.record) throw new HallHttpError(400, 'INVALID_INPUT', `record.${f} is built by the import; leave it out.`, { issues: [{ path: ['record', f], message: 'set by the import' }] });
  }
  const target: Extract<DispatchTarget, { kind: 'mcp' }> = {
    kind: 'mcp',
    url: req.url,
    ...(req.authSecret !== undefined ? { auth_secret: req.authSecret } : {}),
    ...(req.timeoutMs !== undefined ? { timeout_ms: req.timeoutMs } : {}),
  };
  const problems = dispatchTargetProblems(target, req.namespace, dispatchPolicyOf(ctx.env));
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new HallHttpError(422, 'DISPATCH_TARGET_INVALID', `The upstream cannot be a dispatch target of ${req.namespace}: ${first.message}.`, { issues: problems.map((p) => ({ path: p.path.slice(-1), message: p.message })) });
  }
  return target;
}

/** The registry record for the chosen tools, with its artifact_hash. */
export function importedRecord(req: ImportRequest, target: Extract<DispatchTarget, { kind: 'mcp' }>, listed: UpstreamTool[]): Record<string, unknown> {
  const byName = new Map(listed.map((t) => [t.name, t]));
  const missing = Object.keys(req.tools).filter((n) => !byName.has(n));
  if (missing.length > 0) {
    const names = listed.map((t) => t.name).slice(0, 50);
    throw new HallHttpError(422, 'MCP_IMPORT_TOOL_UNKNOWN', `The upstream does not list ${missing.slice(0, 10).join(', ')}. It lists: ${names.join(', ') || '(no tools)'}.`, {
      issues: missing.slice(0, 50).map((n) => ({ path: ['tools', n], message: 'not among the upstream tools' })),
    });
  }
  const tools: Record<string, unknown> = {};
  for (const [name, cap] of Object.entries(req.tools)) {
    const t = byName.get(name)!;
    const title = clip(t.title ?? t.annotations?.title, MAX_TITLE);
    const description = clip(t.description, MAX_TEXT);
    tools[cap] = {
      ...(title !== undefined ? { title } : {}),
      ...(description !== undefined ? { description } : {}),
      input_schema: t.inputSchema,
      ...(t.outputSchema !== undefined ? { output_schema: t.outputSchema } : {}),
      upstream_tool: name,
    };
  }
  const record: Record<string, unknown> = {
    ...req.record,
    worker_id: req.workerId,
    worker_species_id: req.speciesId,
    capabilities: Object.values(req.tools),
    dispatch: target,
    tools,
  };
  return { ...record, artifact_hash: enrollmentArtifactHash(record) };
}
