// POST /workers/:worker_id/mcp-import: govern an upstream MCP server. The Hall lists the server's
// tools (tools/list over Streamable HTTP) and enrolls ONE worker record for it: the tools the
// caller maps ({upstream_tool: capability_id}) become its capabilities, each with the upstream's
// description and schemas, and its dispatch target is the server (kind "mcp"). The tenant owning
// the worker's namespace (or the admin) may import; the record goes through the normal enrollment
// path (species ownership, one record per species, artifact_hash, the dispatch rules). With
// "enroll": false the record is returned instead (to sign it for a namespace with keys, then POST
// /enroll). Rules still decide who may call each capability: importing grants nothing by itself.
import { z } from 'zod';
import { DispatchSecretNameSchema, tenantNamespaceOf } from '../../src/routing/index.js';
import type { RequestContext } from '../context.js';
import { checkImportRequest, importedRecord, listUpstreamTools, MAX_IMPORTED_TOOLS } from '../dispatch/mcp-import.js';
import { requirePrincipal } from '../http/auth.js';
import { parseWith, pathParam, readJson } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';
import { MAX_ID_LENGTH } from '../schemas.js';
import { ENROLL_BODY_LIMIT, assertMayEnroll, enrollRecord } from './enroll.js';

export const McpImportBodySchema = z
  .object({
    /** The upstream's Streamable HTTP endpoint. */
    url: z.string().min(1).max(2048),
    /** A Worker secret of the worker's namespace (DISPATCH_<NS>__<NAME>), sent upstream as a bearer token. */
    auth_secret: DispatchSecretNameSchema.optional(),
    timeout_ms: z.number().int().min(100).max(120_000).optional(),
    worker_species_id: z.string().min(1).max(MAX_ID_LENGTH),
    /** upstream tool name → the capability id it is offered as. */
    tools: z.record(z.string().min(1).max(256), z.string().min(1).max(64)),
    /** Further registry record fields (risk_tier, description, allowed_environments, blast_radius, controls, …). */
    record: z.record(z.string(), z.unknown()).default({}),
    /** false: return the record without enrolling it. */
    enroll: z.boolean().default(true),
  })
  .strict();

export async function postMcpImport(ctx: RequestContext): Promise<Response> {
  const principal = await requirePrincipal(ctx);
  const workerId = pathParam(ctx.params, 'worker_id');
  const ns = tenantNamespaceOf(workerId);
  if (!ns) throw new HallHttpError(400, 'WORKER_ID_INVALID', 'worker_id must live in a tenant namespace: org.<name>.<worker> or x.<name>.<worker> (lowercase letters, digits, hyphens).');
  // Who may import is settled before the Hall contacts anything on the caller's behalf.
  assertMayEnroll(principal, ns);
  const body = parseWith(McpImportBodySchema, await readJson(ctx.request, ENROLL_BODY_LIMIT), 'The import request');
  const req = {
    workerId,
    namespace: ns,
    url: body.url,
    authSecret: body.auth_secret,
    timeoutMs: body.timeout_ms,
    speciesId: body.worker_species_id,
    tools: body.tools,
    record: body.record,
  };
  const target = checkImportRequest(ctx, req);
  const listed = await listUpstreamTools(ctx, target);
  const record = importedRecord(req, target, listed);
  const size = new TextEncoder().encode(JSON.stringify(record)).byteLength;
  if (size > ENROLL_BODY_LIMIT) {
    throw new HallHttpError(413, 'MCP_IMPORT_TOO_LARGE', `The imported record is ${size} bytes; a record may have at most ${ENROLL_BODY_LIMIT}. Import fewer tools into this worker (at most ${MAX_IMPORTED_TOOLS}), or split them across workers.`);
  }
  if (!body.enroll) return jsonResponse({ enrolled: false, upstream_tools: listed.length, record });
  const enrolled = await enrollRecord(ctx, principal, record);
  return jsonResponse({ ...enrolled, upstream_tools: listed.length, record }, 201);
}
