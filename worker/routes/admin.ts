// Operator endpoints (admin token only): rules, hall config, policy, namespace keys, ban list,
// tenants and approvers, worker removal. Every write is recorded in the signed admin log and bumps
// the Hall generation in the same D1 batch (worker/admin-log.ts), so every isolate reloads.
import type { z } from 'zod';
import { isSignerNamespace } from '../../src/crypto/index.js';
import type { LintIssue } from '../../src/routing/lint.js';
import { compilePolicy, lintRules, parseHallConfig, tenantNamespaceOf } from '../../src/routing/index.js';
import { ValidationError } from '../../src/util/errors.js';
import { sha256Hex } from '../../src/util/index.js';
import type { RequestContext } from '../context.js';
import { hashToken, principalLabel, requireAdmin, requirePrincipal } from '../http/auth.js';
import { ApproverBodySchema, BanListBodySchema, HallConfigBodySchema, NamespaceKeysBodySchema, SpeciesOwnerBodySchema, TenantBodySchema } from '../admin-schemas.js';
import { SUPERVISOR_LEVELS } from '../supervisor-levels.js';
import { parseWith, pathParam, readJson } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';
import { KV } from '../stores/config-store.js';
import { lastAdminTarget, recordAdminChange } from '../admin-log.js';
import { currentSnapshot } from '../state.js';
import { wcpTaxonomy } from '../../src/taxonomy/catalog.js';

export { ApproverBodySchema, BanListBodySchema, HallConfigBodySchema, NamespaceKeysBodySchema, SpeciesOwnerBodySchema, TenantBodySchema };

export const RULES_BODY_LIMIT = 1024 * 1024;
const ADMIN_BODY_LIMIT = 256 * 1024;

/** Content-addressed rules version (scripts/kv-seed.mjs computes it the same way). */
export function rulesVersionOf(doc: unknown): string {
  return 'rv-' + sha256Hex(JSON.stringify(doc)).slice(0, 16);
}

function parseStored(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { corrupt: true };
  }
}

// ---- rules ---------------------------------------------------------------------------------

/** 422 for a refused document: how many problems, where the first is, and the first 200 listed. */
function refusedDocument(code: string, what: string, noun: string, fix: string, issues: readonly { path: readonly (string | number)[]; message: string }[]): HallHttpError {
  const first = issues[0];
  const where = first ? `; first at ${first.path.join('.') || '(root)'}: ${first.message}` : '';
  return new HallHttpError(422, code, `The ${what} was refused (${issues.length} ${noun}${issues.length === 1 ? '' : 's'})${where}. Fix the listed ${fix} and upload again.`, {
    issues: issues.slice(0, 200),
  });
}

/**
 * A candidate species no namespace owns yet will belong to whichever namespace enrolls it first —
 * and then serve every tenant this rule matches. Said at upload, so the operator can assign it.
 */
async function unownedSpeciesWarnings(ctx: RequestContext, doc: unknown): Promise<LintIssue[]> {
  const owned = new Set((await ctx.stores.registry.listOwners()).map((o) => o.worker_species_id));
  const out: LintIssue[] = [];
  const rules = (doc as { rules?: { decision?: { candidate_workers_ranked?: { worker_species_id?: unknown }[] } }[] }).rules ?? [];
  rules.forEach((r, i) =>
    (r.decision?.candidate_workers_ranked ?? []).forEach((c, j) => {
      const species = c.worker_species_id;
      if (typeof species === 'string' && !owned.has(species) && out.length < 100)
        out.push({
          severity: 'warning',
          code: 'species_unowned',
          path: ['rules', i, 'decision', 'candidate_workers_ranked', j, 'worker_species_id'],
          message: `no namespace owns ${species} yet: the first to enroll it will serve this rule. Assign it first with PUT /admin/species/${species}`,
        });
    }),
  );
  return out;
}

export async function putRules(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  const doc = await readJson(ctx.request, RULES_BODY_LIMIT);
  // With the WCP taxonomy: a capability id outside it (and outside org.*/x.*) warns unknown_capability.
  const report = lintRules(doc, { taxonomy: wcpTaxonomy() });
  // The errors are why it was refused; its warnings come back once it is accepted.
  if (!report.ok) throw refusedDocument('RULES_INVALID', 'rules document', 'error', 'rules', report.issues.filter((i) => i.severity === 'error'));
  const warnings = [...report.issues, ...(await unownedSpeciesWarnings(ctx, doc))];
  const version = rulesVersionOf(doc);
  const store = ctx.stores.config;
  const pointer = parseStored(await store.get(KV.rulesCurrent)) as { version?: unknown } | null;
  const previous = typeof pointer?.version === 'string' ? pointer.version : null;
  const now = new Date().toISOString();
  if (previous === version) {
    // The same upload again: a no-op, unless an earlier attempt stored it but could not log it (its
    // answer was a 503) — then this repeat records it, so no rules version is ever in force unlogged.
    if ((await lastAdminTarget(ctx.env.HALL_DB, 'rules.put')) !== version) await recordAdminChange(ctx, { action: 'rules.put', target: version, content: doc });
    return jsonResponse({ version, previous_version: previous, unchanged: true, warnings });
  }
  // Versions are immutable: an existing rules:<version> already holds exactly this content.
  if ((await store.get(KV.rules(version))) === null) await store.put(KV.rules(version), JSON.stringify(doc));
  await store.put(KV.rulesCurrent, JSON.stringify({ version, stored_at: now, previous, source: 'PUT /admin/rules' }));
  await recordAdminChange(ctx, { action: 'rules.put', target: version, content: doc });
  const count = Array.isArray((doc as { rules?: unknown }).rules) ? (doc as { rules: unknown[] }).rules.length : 0;
  return jsonResponse({ version, previous_version: previous, rules: count, stored_at: now, warnings }, 201);
}

export async function getRules(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  const pointer = parseStored(await ctx.stores.config.get(KV.rulesCurrent)) as { version?: unknown } | null;
  const version = typeof pointer?.version === 'string' ? pointer.version : null;
  const document = version ? parseStored(await ctx.stores.config.get(KV.rules(version))) : null;
  return jsonResponse({ current: pointer, version, document });
}

// ---- hall config and policy ------------------------------------------------------------------

export async function putConfig(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  const body = await readJson(ctx.request, ADMIN_BODY_LIMIT);
  let config: z.output<typeof HallConfigBodySchema>;
  try {
    // Strict (unknown keys refused, each named with a "did you mean" hint).
    config = parseHallConfig(body);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    const first = err.issues[0];
    throw new HallHttpError(
      400,
      'INVALID_INPUT',
      `The hall config is invalid (${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}).${first ? ` First problem at ${first.path.join('.') || '(root)'}: ${first.message}.` : ''} Fix the listed fields and retry.`,
      { issues: err.issues.slice(0, 50).map((i) => ({ path: i.path, message: i.message })) },
    );
  }
  await ctx.stores.config.put(KV.config, JSON.stringify(config));
  await recordAdminChange(ctx, { action: 'config.put', target: 'config', content: config });
  return jsonResponse({ config });
}

export async function getConfig(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  return jsonResponse({ config: parseStored(await ctx.stores.config.get(KV.config)) });
}

/**
 * The edge's approvers hold levels of the WCP ladder (spec §5.8), so a REQUIRE_HUMAN level outside it
 * (a typo such as `gatekeepr`) could be approved by nobody but the admin: refused at upload.
 */
function policyLevelIssues(doc: unknown): { path: (string | number)[]; message: string }[] {
  const d = doc as { rules?: { supervisor_level?: unknown }[]; default?: { supervisor_level?: unknown } };
  const bad = (v: unknown) => v !== undefined && !(SUPERVISOR_LEVELS as readonly unknown[]).includes(v);
  const message = (v: unknown) => `supervisor level ${JSON.stringify(v)} is not on the approver ladder (${SUPERVISOR_LEVELS.join(', ')})`;
  const issues = (d.rules ?? []).flatMap((r, i) => (bad(r.supervisor_level) ? [{ path: ['rules', i, 'supervisor_level'], message: message(r.supervisor_level) }] : []));
  if (bad(d.default?.supervisor_level)) issues.push({ path: ['default', 'supervisor_level'], message: message(d.default!.supervisor_level) });
  return issues;
}

export async function putPolicy(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  const doc = await readJson(ctx.request, ADMIN_BODY_LIMIT);
  let issues: { path: (string | number)[]; message: string }[];
  try {
    compilePolicy(doc);
    issues = policyLevelIssues(doc);
  } catch (err) {
    const listed = (err as { issues?: unknown }).issues;
    issues = Array.isArray(listed) && listed.length ? (listed as typeof issues) : [{ path: [], message: 'the policy document could not be compiled' }];
  }
  if (issues.length) throw refusedDocument('POLICY_INVALID', 'policy document', 'problem', 'fields', issues);
  await ctx.stores.config.put(KV.policy, JSON.stringify(doc));
  await recordAdminChange(ctx, { action: 'policy.put', target: 'policy', content: doc });
  return jsonResponse({ policy: doc });
}

export async function getPolicy(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  return jsonResponse({ policy: parseStored(await ctx.stores.config.get(KV.policy)) });
}

// ---- namespace keys --------------------------------------------------------------------------

export async function putNamespace(ctx: RequestContext): Promise<Response> {
  const admin = await requireAdmin(ctx);
  const ns = pathParam(ctx.params, 'ns');
  if (!isSignerNamespace(ns)) {
    throw new HallHttpError(400, 'NAMESPACE_INVALID', 'A signer namespace is org.<name> or x.<name> (lowercase letters, digits, hyphens).');
  }
  const body = parseWith(NamespaceKeysBodySchema, await readJson(ctx.request, ADMIN_BODY_LIMIT), 'The namespace key set');
  const kids = new Set<string>();
  for (const k of body.keys) {
    if (k.ns !== undefined && k.ns !== ns) {
      throw new HallHttpError(400, 'NAMESPACE_KEY_MISMATCH', `Key ${k.kid} is bound to namespace ${k.ns}, not ${ns}. Upload it under its own namespace.`);
    }
    if (kids.has(k.kid)) throw new HallHttpError(400, 'NAMESPACE_KEY_DUPLICATE', `kid ${k.kid} appears twice. Give every key its own kid.`);
    kids.add(k.kid);
  }
  const record = { namespace: ns, keys: body.keys.map((k) => ({ ...k, ns })), updated_at: new Date().toISOString(), updated_by: principalLabel(admin) };
  await ctx.stores.config.put(KV.namespace(ns), JSON.stringify(record));
  await recordAdminChange(ctx, { action: 'namespace.put', target: ns, content: record, actor: admin });
  return jsonResponse(record);
}

export async function getNamespace(ctx: RequestContext): Promise<Response> {
  const ns = pathParam(ctx.params, 'ns');
  if (!isSignerNamespace(ns)) throw new HallHttpError(400, 'NAMESPACE_INVALID', 'A signer namespace is org.<name> or x.<name> (lowercase letters, digits, hyphens).');
  const record = parseStored(await ctx.stores.config.get(KV.namespace(ns)));
  if (!record) throw new HallHttpError(404, 'NAMESPACE_NOT_FOUND', `No keys are registered for ${ns}. An operator registers them with PUT /admin/namespaces/${ns}.`);
  return jsonResponse(record);
}

// ---- ban list ----------------------------------------------------------------------------------

interface BanEntry {
  hash: string;
  reason: string;
  added_at: string;
  added_by: string;
}

const MAX_BANNED = 10_000;

export async function postBanList(ctx: RequestContext): Promise<Response> {
  const admin = await requireAdmin(ctx);
  const body = parseWith(BanListBodySchema, await readJson(ctx.request, ADMIN_BODY_LIMIT), 'The ban-list change');
  const stored = parseStored(await ctx.stores.config.get(KV.banList)) as { hashes?: unknown } | null;
  const entries = new Map<string, BanEntry>();
  if (stored && Array.isArray(stored.hashes)) {
    for (const e of stored.hashes as unknown[]) {
      if (typeof e === 'string') entries.set(e, { hash: e, reason: 'unspecified', added_at: '', added_by: '' });
      else if (e && typeof e === 'object' && typeof (e as BanEntry).hash === 'string') entries.set((e as BanEntry).hash, e as BanEntry);
    }
  }
  const now = new Date().toISOString();
  for (const h of body.remove) entries.delete(h);
  for (const a of body.add) entries.set(a.hash, { hash: a.hash, reason: a.reason, added_at: now, added_by: principalLabel(admin) });
  if (entries.size > MAX_BANNED) throw new HallHttpError(422, 'BAN_LIST_FULL', `The ban list may hold at most ${MAX_BANNED} hashes. Remove stale entries first.`);
  const list = { hashes: [...entries.values()] };
  await ctx.stores.config.put(KV.banList, JSON.stringify(list));
  await recordAdminChange(ctx, { action: 'ban-list.update', target: 'ban-list', content: list, actor: admin });
  return jsonResponse(list);
}

export async function getBanList(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  return jsonResponse(parseStored(await ctx.stores.config.get(KV.banList)) ?? { hashes: [] });
}

// ---- workers -----------------------------------------------------------------------------------

/** Admin, or the tenant owning the worker's namespace (so it can replace a worker of its species). */
export async function deleteWorker(ctx: RequestContext): Promise<Response> {
  const principal = await requirePrincipal(ctx);
  const workerId = pathParam(ctx.params, 'worker_id');
  const ns = tenantNamespaceOf(workerId);
  if (principal.kind !== 'admin' && !(principal.kind === 'tenant' && ns !== null && principal.namespaces.includes(ns))) {
    throw new HallHttpError(403, 'NAMESPACE_FORBIDDEN', 'This token may not remove that worker. Use a token of the tenant that owns its namespace, or the admin token.');
  }
  if (workerId.length > 256 || !(await ctx.stores.registry.getWorker(workerId))) {
    throw new HallHttpError(404, 'WORKER_NOT_FOUND', 'No worker with this worker_id is enrolled. Check GET /wcp/workers.');
  }
  // The removal and its signed log entry are one batch.
  await recordAdminChange(ctx, { action: 'worker.delete', target: workerId, content: null, actor: principal, statements: ctx.stores.registry.deleteWorkerStatements(workerId) });
  return jsonResponse({ deleted: true, worker_id: workerId });
}

// ---- tenants and approvers ----------------------------------------------------------------------

const PRINCIPAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
function principalId(ctx: RequestContext, param: string, what: string): string {
  const id = pathParam(ctx.params, param);
  if (!PRINCIPAL_ID.test(id)) {
    throw new HallHttpError(400, 'PRINCIPAL_ID_INVALID', `A ${what} id is 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit.`);
  }
  return id;
}

async function replaceToken(ctx: RequestContext, previousHash: unknown, newHash: string, index: { kind: string; id: string }): Promise<void> {
  const store = ctx.stores.config;
  const clash = parseStored(await store.get(KV.token(newHash))) as { kind?: unknown; id?: unknown } | null;
  if (clash && (clash.kind !== index.kind || clash.id !== index.id)) {
    throw new HallHttpError(409, 'TOKEN_IN_USE', 'This token already belongs to another principal. Generate a fresh random token.');
  }
  // A revoked token stays revoked: handing it out again would revive a leaked credential.
  if ((await currentSnapshot(ctx)).revokedTokens.has(newHash)) {
    throw new HallHttpError(409, 'TOKEN_REVOKED', 'This token was revoked (rotated away or deleted) and can never be used again. Generate a fresh random token.');
  }
  if (typeof previousHash === 'string' && previousHash !== newHash) await store.delete(KV.token(previousHash));
  await store.put(KV.token(newHash), JSON.stringify(index));
}

/**
 * Creates or rotates a principal record (tenant or approver): the token index moves to the new
 * token's hash, `created_at` survives rotation, and cached principals are dropped. The answer never
 * echoes the token or its hash.
 */
async function storePrincipal(
  ctx: RequestContext,
  kind: 'tenant' | 'approver',
  key: string,
  id: string,
  token: string,
  fields: Record<string, unknown>,
): Promise<Response> {
  const store = ctx.stores.config;
  const old = parseStored(await store.get(key)) as { token_sha256?: unknown; created_at?: unknown } | null;
  const hash = hashToken(token);
  await replaceToken(ctx, old?.token_sha256, hash, { kind, id });
  const now = new Date().toISOString();
  const created = typeof old?.created_at === 'string' ? old.created_at : now;
  const visible = { [`${kind}_id`]: id, ...fields, created_at: created, updated_at: now };
  await store.put(key, JSON.stringify({ ...visible, token_sha256: hash }));
  // The old token stops working on every isolate (revoked in the same batch as the log entry).
  const revoked = typeof old?.token_sha256 === 'string' && old.token_sha256 !== hash ? [old.token_sha256] : [];
  await recordAdminChange(ctx, { action: `${kind}.put`, target: id, content: visible, revokeTokenHashes: revoked });
  return jsonResponse(visible);
}

export async function putTenant(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  const tenantId = principalId(ctx, 'tenant_id', 'tenant');
  const { token, namespaces, ...facts } = parseWith(TenantBodySchema, await readJson(ctx.request, ADMIN_BODY_LIMIT), 'The tenant');
  const held = Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));
  return storePrincipal(ctx, 'tenant', KV.tenant(tenantId), tenantId, token, { namespaces, ...held });
}

export async function deleteTenant(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  const tenantId = principalId(ctx, 'tenant_id', 'tenant');
  const store = ctx.stores.config;
  const old = parseStored(await store.get(KV.tenant(tenantId))) as { token_sha256?: unknown } | null;
  if (!old) throw new HallHttpError(404, 'TENANT_NOT_FOUND', 'No tenant with this id exists.');
  if (typeof old.token_sha256 === 'string') await store.delete(KV.token(old.token_sha256));
  await store.delete(KV.tenant(tenantId));
  await recordAdminChange(ctx, {
    action: 'tenant.delete',
    target: tenantId,
    content: null,
    revokeTokenHashes: typeof old.token_sha256 === 'string' ? [old.token_sha256] : [],
  });
  return jsonResponse({ deleted: true, tenant_id: tenantId });
}

export async function putApprover(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  const approverId = principalId(ctx, 'approver_id', 'approver');
  const body = parseWith(ApproverBodySchema, await readJson(ctx.request, ADMIN_BODY_LIMIT), 'The approver');
  return storePrincipal(ctx, 'approver', KV.approver(approverId), approverId, body.token, { tenants: body.tenants, level: body.level });
}

// ---- species ownership ---------------------------------------------------------------------------

const SPECIES_ID = /^wrk\.[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$/;

/**
 * Assigns a species to a namespace (before anyone enrolls it, or to move it). A worker of another
 * namespace that holds the species stops being selectable at once; it is named in the answer.
 */
export async function putSpeciesOwner(ctx: RequestContext): Promise<Response> {
  const admin = await requireAdmin(ctx);
  const species = pathParam(ctx.params, 'species_id');
  if (species.length > 256 || !SPECIES_ID.test(species)) {
    throw new HallHttpError(400, 'SPECIES_ID_INVALID', 'A species id is wrk.<domain>.<name> (lowercase letters, digits, "-" and "_").');
  }
  const body = parseWith(SpeciesOwnerBodySchema, await readJson(ctx.request, ADMIN_BODY_LIMIT), 'The species owner');
  const at = new Date().toISOString();
  const holder = await ctx.stores.registry.workerOfSpecies(species);
  const row = { worker_species_id: species, namespace: body.namespace, assigned_by: principalLabel(admin), assigned_at: at };
  await recordAdminChange(ctx, {
    action: 'species.assign',
    target: species,
    content: { worker_species_id: species, namespace: body.namespace },
    statements: ctx.stores.registry.assignSpeciesStatements(row),
  });
  const displaced = holder && holder.namespace !== body.namespace ? holder.worker_id : null;
  return jsonResponse({ ...row, displaced_worker_id: displaced });
}

export async function listSpeciesOwners(ctx: RequestContext): Promise<Response> {
  await requireAdmin(ctx);
  return jsonResponse({ species: await ctx.stores.registry.listOwners() });
}
