// The route table: one entry per endpoint — method, itty-router path, handler, and the OpenAPI
// metadata (/openapi.json is generated from these entries and their zod schemas).
import type { z } from 'zod';
import { PolicyDocumentSchema, RulesDocumentSchema } from '../../src/routing/index.js';
import type { RequestContext } from '../context.js';
import { RouteRequestSchema, RouteResponseSchema } from '../schemas.js';
import {
  ApproverBodySchema,
  BanListBodySchema,
  HallConfigBodySchema,
  NamespaceKeysBodySchema,
  TenantBodySchema,
  deleteTenant,
  deleteWorker,
  listSpeciesOwners,
  putSpeciesOwner,
  SpeciesOwnerBodySchema,
  getBanList,
  getConfig,
  getNamespace,
  getPolicy,
  getRules,
  postBanList,
  putApprover,
  putConfig,
  putNamespace,
  putPolicy,
  putRules,
  putTenant,
} from './admin.js';
import { AdminLogQuerySchema, getAdminLog } from './admin-log.js';
import { PendingQuerySchema, ResolveBodySchema, getApproval, pendingApprovals, resolveApproval } from './approvals.js';
import { HashQuerySchema, RegisterQuerySchema, VerifyQuerySchema, attestHash, attestVerify, registerAttestation } from './attest.js';
import { WorkersQuerySchema, capabilities, health, workers } from './discovery.js';
import { EnrollBodySchema, postEnroll } from './enroll.js';
import { DecisionsQuerySchema, ReceiptsQuerySchema, getDecision, getReceipt, listDecisions, listReceipts } from './evidence.js';
import { wcpKeys } from './keys.js';
import { getOutcome } from './outcomes.js';
import { McpImportBodySchema, postMcpImport } from './mcp-import.js';
import { postRoute } from './route.js';
import { getProtectedResource, getProtectedResourceMcp, postMcp } from './mcp.js';
import { JsonRpcRequestSchema } from '../mcp/jsonrpc.js';
import { importKvRegistry } from './registry-import.js';
import { getVerifySdk } from './sdk.js';
import { CheckpointQuerySchema, ConsistencyQuerySchema, ProofQuerySchema, getCheckpoint, getConsistency, getReceiptProof } from './log.js';
import { CrewQuerySchema, DenialsQuerySchema, FeedQuerySchema, ResolvedQuerySchema, SummaryQuerySchema, crew, decisionRule, feed, resolvedApprovals, statsDenials, statsSummary, whoami } from './monitor-views.js';
import { getClientSdk, getMonitorCss, getMonitorJs, getMonitorPage } from './monitor.js';
import { RulesVersionsQuerySchema, getRulesVersion, listRulesVersions } from './rules-history.js';
import { TaxonomyQuerySchema, getTaxonomy } from './taxonomy.js';
import { openApiDocument } from '../openapi.js';

export type Auth = 'public' | 'any' | 'tenant' | 'admin' | 'approver';

export interface RouteDoc {
  summary: string;
  auth: Auth;
  body?: z.ZodType | 'archive';
  query?: z.ZodObject;
  response?: z.ZodType;
  /** Media type of a 200 that is not JSON (documented as a string body). */
  responseType?: string;
  /** Status codes beyond 200 and the auth/validation ones implied by `auth` and `body`. */
  statuses?: number[];
}

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  pattern: RegExp;
  handler: (ctx: RequestContext) => Promise<Response>;
  doc: RouteDoc;
}

function route(method: RouteSpec['method'], path: string, handler: RouteSpec['handler'], doc: RouteDoc): RouteSpec {
  const pattern = new RegExp('^' + path.replace(/[.]/g, '\\.').replace(/:[a-z_]+/g, '[^/]+') + '/?$');
  return { method, path, pattern, handler, doc };
}

let openApiText: string | null = null;
const openapi = async (): Promise<Response> => {
  openApiText ??= JSON.stringify(openApiDocument(ROUTES));
  return new Response(openApiText, { headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' } });
};

export const ROUTES: readonly RouteSpec[] = [
  route('POST', '/route', postRoute, {
    summary: 'Decide a capability request (RouteInput + optional approval_id); returns {decision, receipt} for allowed and denied decisions alike.',
    auth: 'tenant',
    body: RouteRequestSchema,
    response: RouteResponseSchema,
    statuses: [404, 409, 410, 413, 503],
  }),
  route('GET', '/wcp/health', health, { summary: 'Compliance status: rules version, enrolled workers, signing key.', auth: 'public' }),
  route('GET', '/wcp/capabilities', capabilities, { summary: 'Every capability the enrolled workers declare.', auth: 'public' }),
  route('GET', '/wcp/workers', workers, { summary: 'Enrolled workers (paged), with attestation and ban status.', auth: 'public', query: WorkersQuerySchema }),
  route('POST', '/enroll', postEnroll, {
    summary: 'Enroll a registry record; artifact_hash must match; signed by a namespace key when the namespace has keys.',
    auth: 'tenant',
    body: EnrollBodySchema,
    statuses: [201],
  }),
  route('GET', '/decisions', listDecisions, { summary: 'Decision log, newest first, with filters and cursor pagination.', auth: 'tenant', query: DecisionsQuerySchema }),
  route('GET', '/decisions/:decision_id', getDecision, { summary: 'One logged decision.', auth: 'tenant', statuses: [404] }),
  route('GET', '/decisions/:decision_id/outcome', getOutcome, { summary: 'The signed outcome record of a dispatched decision (status, duration, result SHA-256, error code); verify with verifyOutcome.', auth: 'tenant', statuses: [404] }),
  route('GET', '/decisions/:decision_id/rule', decisionRule, { summary: 'The rule the decision matched, from the rules version it used (a rule\'s tenant list only for the admin).', auth: 'tenant', statuses: [404] }),
  route('GET', '/receipts', listReceipts, { summary: 'A segment of a tenant\'s receipt chain, in seq order.', auth: 'tenant', query: ReceiptsQuerySchema }),
  route('GET', '/receipts/:receipt_id', getReceipt, { summary: 'One receipt.', auth: 'tenant', statuses: [404] }),
  route('GET', '/receipts/:receipt_id/proof', getReceiptProof, {
    summary: "RFC 9162 inclusion proof of a receipt (leaf_index = seq − 1) against the log's current signed checkpoint, or against ?tree_size=N (then checkpoint is null). Tenant or admin.",
    auth: 'tenant',
    query: ProofQuerySchema,
    statuses: [404, 503],
  }),
  route('GET', '/wcp/log/:tenant_id/checkpoint', getCheckpoint, {
    summary: "The tenant log's current C2SP tlog-checkpoint signed note (origin <hall>/log/<tenant>[/shard/<k>], tree size, base64 root; Ed25519 by the Hall's receipt key, key name = origin). Tenant or admin.",
    auth: 'tenant',
    query: CheckpointQuerySchema,
    responseType: 'text/plain',
    statuses: [503],
  }),
  route('GET', '/wcp/log/:tenant_id/consistency', getConsistency, {
    summary: "RFC 9162 consistency proof from tree size ?from=M to ?to=N (default: the current size, whose signed checkpoint the answer carries). Tenant or admin.",
    auth: 'tenant',
    query: ConsistencyQuerySchema,
    statuses: [503],
  }),
  route('GET', '/.well-known/wcp-keys.json', wcpKeys, { summary: 'JWKS of every key that has signed receipts (old keys stay listed).', auth: 'public' }),
  route('GET', '/wcp/approvals/pending', pendingApprovals, { summary: 'Pending human approvals visible to the token.', auth: 'any', query: PendingQuerySchema }),
  route('GET', '/wcp/approvals/resolved', resolvedApprovals, { summary: 'Approvals already approved, denied or used, with who and when (newest first), scoped by the token.', auth: 'any', query: ResolvedQuerySchema }),
  route('GET', '/wcp/approvals/:approval_id', getApproval, { summary: 'One approval.', auth: 'any', statuses: [404] }),
  route('POST', '/wcp/approvals/:approval_id/resolve', resolveApproval, {
    summary: 'approve | deny | escalate a pending approval (approver or admin token).',
    auth: 'approver',
    body: ResolveBodySchema,
    statuses: [404, 409, 410],
  }),
  route('POST', '/attest/hash', attestHash, { summary: 'Canonical package hash of a streamed .tar/.tgz.', auth: 'any', body: 'archive', query: HashQuerySchema, statuses: [413, 422] }),
  route('POST', '/attest/verify', attestVerify, {
    summary: 'Verify a streamed .tar/.tgz against its root manifest.json (Ed25519 namespace keys); 422 with the deny code when it does not verify.',
    auth: 'any',
    body: 'archive',
    query: VerifyQuerySchema,
    statuses: [413, 422],
  }),
  route('POST', '/workers/:worker_id/attestation', registerAttestation, {
    summary: 'Verify a package and register its hash for require_worker_attestation routing.',
    auth: 'tenant',
    body: 'archive',
    query: RegisterQuerySchema,
    statuses: [201, 404, 409, 413, 422],
  }),
  route('POST', '/workers/:worker_id/mcp-import', postMcpImport, {
    summary: "Import an upstream MCP server (Streamable HTTP) as this worker: its tools/list, mapped {upstream_tool: capability_id}, becomes the record's capabilities and tools, enrolled through the normal path (tenant of the namespace or admin); \"enroll\": false returns the record unenrolled.",
    auth: 'tenant',
    body: McpImportBodySchema,
    statuses: [201, 403, 409, 413, 422, 502],
  }),
  route('DELETE', '/workers/:worker_id', deleteWorker, { summary: 'Remove an enrolled worker and its attestation (admin, or the tenant owning its namespace); the species stays owned.', auth: 'tenant', statuses: [404] }),
  route('PUT', '/admin/species/:species_id', putSpeciesOwner, { summary: 'Assign a worker species to a namespace (only that namespace may enroll it).', auth: 'admin', body: SpeciesOwnerBodySchema }),
  route('GET', '/admin/species', listSpeciesOwners, { summary: 'Every owned species and its namespace.', auth: 'admin' }),
  route('POST', '/admin/registry/import-kv', importKvRegistry, { summary: 'Copy a v0.1 KV registry (worker:* / attestation:* keys) into the D1 registry; adds only, never replaces; call again while remaining > 0.', auth: 'admin' }),
  route('PUT', '/admin/rules', putRules, { summary: 'Upload a rules document: validated and linted, stored as a new immutable version.', auth: 'admin', body: RulesDocumentSchema, statuses: [201, 422] }),
  route('GET', '/admin/rules', getRules, { summary: 'The current rules version and document.', auth: 'admin' }),
  route('GET', '/admin/rules/versions', listRulesVersions, { summary: 'The rules version in force with its lint report, and every version the admin log recorded.', auth: 'admin', query: RulesVersionsQuerySchema }),
  route('GET', '/admin/rules/versions/:version', getRulesVersion, { summary: 'One stored rules version with its lint report.', auth: 'admin', statuses: [404] }),
  route('PUT', '/admin/config', putConfig, { summary: 'Replace the hall config (signatory tenants, floors).', auth: 'admin', body: HallConfigBodySchema }),
  route('GET', '/admin/config', getConfig, { summary: 'The hall config.', auth: 'admin' }),
  route('PUT', '/admin/policy', putPolicy, { summary: 'Replace the declarative policy gate document.', auth: 'admin', body: PolicyDocumentSchema, statuses: [422] }),
  route('GET', '/admin/policy', getPolicy, { summary: 'The policy document.', auth: 'admin' }),
  route('PUT', '/admin/namespaces/:ns', putNamespace, { summary: 'Register the Ed25519 public keys of a signer namespace (org.<name> / x.<name>).', auth: 'admin', body: NamespaceKeysBodySchema }),
  route('GET', '/wcp/namespaces/:ns', getNamespace, { summary: 'The public keys of a signer namespace.', auth: 'public', statuses: [404] }),
  route('POST', '/admin/ban-list', postBanList, { summary: 'Add or remove banned package hashes (denied at routing time).', auth: 'admin', body: BanListBodySchema, statuses: [422] }),
  route('GET', '/admin/ban-list', getBanList, { summary: 'The ban list.', auth: 'admin' }),
  route('PUT', '/admin/tenants/:tenant_id', putTenant, { summary: 'Create a tenant or rotate its token (stored as SHA-256 only).', auth: 'admin', body: TenantBodySchema, statuses: [409] }),
  route('DELETE', '/admin/tenants/:tenant_id', deleteTenant, { summary: 'Remove a tenant and its token.', auth: 'admin', statuses: [404] }),
  route('PUT', '/admin/approvers/:approver_id', putApprover, { summary: 'Create an approver or rotate its token; lists the tenants it may approve for.', auth: 'admin', body: ApproverBodySchema, statuses: [409] }),
  route('GET', '/admin/log', getAdminLog, { summary: 'The signed admin log (every admin write, oldest first); verify with verifyAdminLog against /.well-known/wcp-keys.json.', auth: 'admin', query: AdminLogQuerySchema }),
  route('GET', '/wcp/taxonomy', getTaxonomy, {
    summary: 'The WCP taxonomy catalog edgehall ships (cacheable, ETag); ?q=words[&limit=N&match=all|any] searches it, ?id= returns one entity with its links (404 TAXONOMY_ID_UNKNOWN).',
    auth: 'public',
    query: TaxonomyQuerySchema,
    statuses: [304, 404],
  }),
  route('GET', '/sdk/verify.js', getVerifySdk, { summary: 'The browser ESM build of edgehall/verify (text/javascript, CORS *, ETag = its SHA-256), for pages that verify evidence without a CDN.', auth: 'public', responseType: 'text/javascript', statuses: [304] }),
  route('POST', '/mcp', postMcp, {
    summary: 'The governed MCP gateway (Streamable HTTP, stateless, JSON answers; MCP 2026-07-28 and the 2025-03-26/06-18/11-25 handshake): tools/list and tools/call, each call decided and receipted like /route. See docs/mcp.md.',
    auth: 'tenant',
    body: JsonRpcRequestSchema,
    statuses: [202, 404, 406, 413, 415],
  }),
  route('GET', '/.well-known/oauth-protected-resource', getProtectedResource, { summary: 'RFC 9728 protected-resource metadata: bearer tokens in the Authorization header.', auth: 'public' }),
  route('GET', '/.well-known/oauth-protected-resource/mcp', getProtectedResourceMcp, { summary: 'RFC 9728 protected-resource metadata of the /mcp resource.', auth: 'public' }),
  route('GET', '/wcp/whoami', whoami, { summary: 'The principal behind the token: kind, id, the tenants it may read, what it may do (never the token).', auth: 'any' }),
  route('GET', '/wcp/feed', feed, { summary: 'Decisions after a cursor (oldest first), or the newest without one; filters as /decisions. Poll it for a live feed.', auth: 'tenant', query: FeedQuerySchema }),
  route('GET', '/wcp/stats/summary', statsSummary, { summary: 'Today\'s (UTC) allowed and denied decisions and pending approvals, scoped by the token.', auth: 'tenant', query: SummaryQuerySchema }),
  route('GET', '/wcp/stats/denials', statsDenials, { summary: 'Denied decisions by deny code per hour (≤ 7 days) or day (≤ 92 days), scoped by the token.', auth: 'tenant', query: DenialsQuerySchema }),
  route('GET', '/wcp/crew', crew, { summary: 'Enrolled workers with compliance level and reasons, attested hash, ban status and the last decision for the token\'s tenants.', auth: 'any', query: CrewQuerySchema }),
  route('GET', '/monitor', getMonitorPage, { summary: 'The Hall Monitor web page (text/html, strict CSP; sign in with a token).', auth: 'public', responseType: 'text/html', statuses: [304] }),
  route('GET', '/monitor/app.js', getMonitorJs, { summary: 'The Hall Monitor\'s script (one ES module).', auth: 'public', responseType: 'text/javascript', statuses: [304] }),
  route('GET', '/monitor/app.css', getMonitorCss, { summary: 'The Hall Monitor\'s stylesheet.', auth: 'public', responseType: 'text/css', statuses: [304] }),
  route('GET', '/sdk/client.js', getClientSdk, { summary: 'The browser ESM build of edgehall/client (HallClient, enrollmentArtifactHash; text/javascript, CORS *, ETag = its SHA-256).', auth: 'public', responseType: 'text/javascript', statuses: [304] }),
  route('GET', '/openapi.json', openapi, { summary: 'This document.', auth: 'public' }),
];
