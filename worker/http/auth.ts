// Bearer-token auth. Three kinds of principal:
//   admin    — HALL_ADMIN_TOKEN (a secret); may act for any tenant and call /admin/*.
//   tenant   — KV `tenant:<id>` holds the SHA-256 of its token (never the token); may route, read its
//              own decisions/receipts/approvals, and enroll workers in its namespaces.
//   approver — KV `approver:<id>`, same storage; may list and resolve approvals of its tenants.
// A token is found through the index `token:<sha256(token)>` → {kind, id}; the principal record's
// stored hash is then compared in constant time, so a stale index entry (after rotation) is useless.
import { sha256Hex, timingSafeEqualBytes, timingSafeEqualString, utf8 } from '../../src/util/index.js';
import { TenantFactsFieldsSchema, type HeldTenantFacts } from '../../src/routing/tenant-facts.js';
import type { RequestContext } from '../context.js';
import { KV, parseJsonObject } from '../stores/config-store.js';
import { currentSnapshot } from '../state.js';
import { HallHttpError } from './problem.js';
import { DEFAULT_APPROVER_LEVEL, isSupervisorLevel, type SupervisorLevel } from '../approvals.js';

export type Principal =
  | { kind: 'admin'; id: 'admin' }
  | { kind: 'tenant'; id: string; namespaces: string[]; facts: HeldTenantFacts }
  | { kind: 'approver'; id: string; tenants: string[]; level: SupervisorLevel };

export interface TenantRecord extends HeldTenantFacts {
  tenant_id: string;
  token_sha256: string;
  namespaces: string[];
  created_at: string;
  updated_at: string;
}

export interface ApproverRecord {
  approver_id: string;
  token_sha256: string;
  /** Tenants whose approvals this approver may resolve; ["*"] means every tenant. */
  tenants: string[];
  /** Highest supervisor level this approver may decide (worker/approvals.ts); absent = gatekeeper. */
  level?: SupervisorLevel;
  created_at: string;
  updated_at: string;
}

const TOKEN_SHAPE = /^[A-Za-z0-9._~+/=-]{1,512}$/;
const MAX_CACHE = 1000;

interface CachedPrincipal {
  principal: Principal;
  until: number;
}

export class TokenCache {
  private readonly entries = new Map<string, CachedPrincipal>();
  constructor(private readonly ttlMs: number) {}
  get(hash: string, now: number): Principal | undefined {
    const e = this.entries.get(hash);
    if (!e) return undefined;
    if (e.until <= now) {
      this.entries.delete(hash);
      return undefined;
    }
    return e.principal;
  }
  set(hash: string, principal: Principal, now: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= MAX_CACHE) this.entries.clear();
    this.entries.set(hash, { principal, until: now + this.ttlMs });
  }
  clear(): void {
    this.entries.clear();
  }
}

export function hashToken(token: string): string {
  return sha256Hex(token);
}

let adminHash: { token: string; hash: string } | null = null;

function adminTokenHash(admin: string): string {
  if (adminHash?.token !== admin) adminHash = { token: admin, hash: hashToken(admin) };
  return adminHash.hash;
}

function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (header === null) return null;
  const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
  if (!m || !TOKEN_SHAPE.test(m[1]!)) {
    throw new HallHttpError(401, 'AUTH_INVALID', 'The Authorization header is malformed. Send "Authorization: Bearer <token>".');
  }
  return m[1]!;
}

function invalid(): HallHttpError {
  return new HallHttpError(401, 'AUTH_INVALID', 'The bearer token is not valid for this Hall. Check the token, or ask the Hall operator for one.');
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The principal behind the request's bearer token, or null when no Authorization header was sent. */
export async function optionalPrincipal(ctx: RequestContext): Promise<Principal | null> {
  const token = bearerToken(ctx.request);
  if (token === null) return null;
  const admin = ctx.env.HALL_ADMIN_TOKEN;
  // One hash of the presented token serves both checks (comparing SHA-256s is what keeps the
  // admin comparison constant-time); the admin token's own hash is kept per isolate.
  const hash = hashToken(token);
  if (admin && admin.length >= 16 && timingSafeEqualBytes(utf8(hash), utf8(adminTokenHash(admin)))) return { kind: 'admin', id: 'admin' };
  // Revocation is read from D1 with the snapshot (strong within HALL_CONFIG_CHECK_MS), not from
  // KV, whose edge caches may still hold a deleted token for up to a minute.
  if ((await currentSnapshot(ctx)).revokedTokens.has(hash)) throw invalid();
  const now = Date.now();
  const cached = ctx.runtime.tokens.get(hash, now);
  if (cached) return cached;
  const index = parseJsonObject(await ctx.stores.config.get(KV.token(hash)));
  if (!index || typeof index['id'] !== 'string') throw invalid();
  const id = index['id'];
  let principal: Principal;
  if (index['kind'] === 'tenant') {
    const rec = parseJsonObject(await ctx.stores.config.get(KV.tenant(id)));
    if (!rec || typeof rec['token_sha256'] !== 'string' || !timingSafeEqualString(rec['token_sha256'], hash)) throw invalid();
    principal = { kind: 'tenant', id, namespaces: stringList(rec['namespaces']), facts: heldFactsOf(id, rec) };
  } else if (index['kind'] === 'approver') {
    const rec = parseJsonObject(await ctx.stores.config.get(KV.approver(id)));
    if (!rec || typeof rec['token_sha256'] !== 'string' || !timingSafeEqualString(rec['token_sha256'], hash)) throw invalid();
    // Records written before levels existed have none: gatekeeper, what every approver was. A level
    // outside the ladder is corruption: refuse rather than guess a level of authority.
    const level = rec['level'] === undefined ? DEFAULT_APPROVER_LEVEL : rec['level'];
    if (!isSupervisorLevel(level)) {
      throw new HallHttpError(403, 'APPROVER_RECORD_INVALID', 'This approver\'s record holds an unknown supervisor level, so it may not act. Ask the Hall operator to store it again with PUT /admin/approvers/:id.');
    }
    principal = { kind: 'approver', id, tenants: stringList(rec['tenants']), level };
  } else {
    throw invalid();
  }
  ctx.runtime.tokens.set(hash, principal, now);
  return principal;
}

/**
 * The Hall-held facts of a tenant record (tenant_risk, data_label_floor, allowed_envs; unset = none
 * held). Facts that do not parse are corruption: refuse rather than decide on the caller's word.
 */
function heldFactsOf(tenantId: string, rec: Record<string, unknown>): HeldTenantFacts {
  const fields: Record<string, unknown> = {};
  for (const k of ['tenant_risk', 'data_label_floor', 'allowed_envs'] as const) if (rec[k] !== undefined) fields[k] = rec[k];
  const p = TenantFactsFieldsSchema.safeParse(fields);
  if (!p.success) {
    throw new HallHttpError(
      403,
      'TENANT_RECORD_INVALID',
      `The Hall's record of tenant ${tenantId.slice(0, 128)} holds invalid facts (tenant_risk, data_label_floor or allowed_envs), so it may not act. Ask the Hall operator to store it again with PUT /admin/tenants/${tenantId.slice(0, 128)}.`,
    );
  }
  return p.data;
}

const FACTS_CACHE_PREFIX = 'tenant-facts:';

/**
 * The Hall-held facts of tenant `tenantId` for a principal acting for it: a tenant's own (from its
 * principal), or — for the admin — the tenant's record, cached like principals. null when no tenant
 * record exists (the declared values then stand).
 */
export async function tenantFactsFor(ctx: RequestContext, principal: Principal, tenantId: string): Promise<HeldTenantFacts | null> {
  if (principal.kind === 'tenant' && principal.id === tenantId) return principal.facts;
  const key = FACTS_CACHE_PREFIX + tenantId;
  const now = Date.now();
  const cached = ctx.runtime.tokens.get(key, now);
  if (cached && cached.kind === 'tenant') return cached.facts;
  const text = await ctx.stores.config.get(KV.tenant(tenantId));
  if (text === null) return null;
  const rec = parseJsonObject(text);
  if (!rec) throw new HallHttpError(403, 'TENANT_RECORD_INVALID', `The Hall's record of tenant ${tenantId.slice(0, 128)} is corrupt, so it may not act. Ask the Hall operator to store it again with PUT /admin/tenants/${tenantId.slice(0, 128)}.`);
  const facts = heldFactsOf(tenantId, rec);
  ctx.runtime.tokens.set(key, { kind: 'tenant', id: tenantId, namespaces: stringList(rec['namespaces']), facts }, now);
  return facts;
}

/** Any valid principal; 401 without one. */
export async function requirePrincipal(ctx: RequestContext): Promise<Principal> {
  const p = await optionalPrincipal(ctx);
  if (!p) {
    throw new HallHttpError(401, 'AUTH_REQUIRED', 'This endpoint needs a bearer token. Send "Authorization: Bearer <token>".');
  }
  return p;
}

export async function requireAdmin(ctx: RequestContext): Promise<Principal> {
  const p = await requirePrincipal(ctx);
  if (p.kind !== 'admin') throw new HallHttpError(403, 'ADMIN_REQUIRED', 'This endpoint is for the Hall operator. Use the admin token.');
  return p;
}

/** Admin, or the tenant itself. Approvers may additionally read (not route) when `allowApprover`. */
export function assertTenantAccess(p: Principal, tenantId: string, allowApprover = false): void {
  if (p.kind === 'admin') return;
  if (p.kind === 'tenant' && p.id === tenantId) return;
  if (allowApprover && p.kind === 'approver' && approverCovers(p, tenantId)) return;
  throw new HallHttpError(403, 'TENANT_FORBIDDEN', 'This token may not act for that tenant. Use the tenant\'s own token or the admin token.');
}

export function approverCovers(p: Principal, tenantId: string): boolean {
  return p.kind === 'approver' && (p.tenants.includes('*') || p.tenants.includes(tenantId));
}

/** Label written into histories ("who did it") — never the token or its hash. */
export function principalLabel(p: Principal): string {
  return p.kind === 'admin' ? 'admin' : `${p.kind}:${p.id}`;
}
