// POST /enroll: enroll (or re-enroll) a worker registry record.
//   - the record is strict (RegistryRecordSchema: unknown keys and out-of-enum values refused);
//   - artifact_hash must be "sha256:" + SHA-256 of the record without artifact_hash, serialised as
//     Python's sorted compact json.dumps (pyhall's Hall API rule) — else 400 DENY_WORKER_TAMPERED;
//   - tenants may enroll only in their own namespaces (org.<name> / x.<name> of worker_id);
//   - a species belongs to the namespace that first enrolled it (or that the admin assigned); one
//     worker record per species, so the selected species names exactly one worker's own record;
//   - a namespace holds at most HALL_MAX_WORKERS_PER_NAMESPACE workers (default 100);
//   - when the namespace has registered Ed25519 keys, the body carries `signature` over the
//     enrollment statement (worker id, artifact_hash, signed_at), `signing_key_id` and `signed_at`;
//     a statement outside the freshness window, or not newer than the stored one, is refused;
//   - a `dispatch` block and `tools` map must pass the Hall's dispatch rules (worker/dispatch/
//     record-checks.ts): 422 DISPATCH_TARGET_INVALID / TOOL_SPEC_INVALID with every problem's path.
// The record, its history row and the Hall generation are written in one D1 batch.
import { z } from 'zod';
import { createEd25519Verifier, importEd25519PublicJwk } from '../../src/crypto/index.js';
import { RegistryRecordSchema, buildRegistry, tenantNamespaceOf } from '../../src/routing/index.js';
import { ENROLLMENT_TRANSPORT_FIELDS, enrollmentArtifactHash, enrollmentStatement } from '../../src/routing/enrollment-hash.js';
import { fromBase64Url, utf8 } from '../../src/util/index.js';
import type { RequestContext } from '../context.js';
import { principalLabel, requirePrincipal, type Principal } from '../http/auth.js';
import { parseWith, readJson } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';
import { readNamespaceKeys } from '../stores/namespace-keys.js';
import { RegistryConflictError, type RegistryStore } from '../stores/registry-store.js';
import { MAX_ID_LENGTH } from '../schemas.js';
import { assertDispatchableRecord } from '../dispatch/record-checks.js';
import { dispatchPolicyOf } from '../dispatch/target-policy.js';

export const ENROLL_BODY_LIMIT = 64 * 1024;
/** How far a signed statement's signed_at may be from the Hall's clock. */
export const ENROLLMENT_FRESHNESS_MS = 10 * 60_000;
export const DEFAULT_MAX_WORKERS_PER_NAMESPACE = 100;

export const EnrollBodySchema = RegistryRecordSchema.extend({
  worker_id: z.string().min(1).max(MAX_ID_LENGTH),
  worker_species_id: z.string().min(1).max(MAX_ID_LENGTH),
  artifact_hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" followed by 64 lowercase hex digits'),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a 64-byte Ed25519 signature in base64url').optional(),
  signing_key_id: z.string().min(1).max(200).optional(),
  signed_at: z.iso.datetime({ offset: false, precision: 3 }).optional(),
});
type EnrollBody = z.infer<typeof EnrollBodySchema>;

function maxWorkers(ctx: RequestContext): number {
  const raw = (ctx.env as { HALL_MAX_WORKERS_PER_NAMESPACE?: string }).HALL_MAX_WORKERS_PER_NAMESPACE;
  return raw !== undefined && /^\d{1,6}$/.test(raw) && Number(raw) > 0 ? Number(raw) : DEFAULT_MAX_WORKERS_PER_NAMESPACE;
}

export function assertMayEnroll(principal: Principal, ns: string): void {
  if (principal.kind === 'approver' || (principal.kind === 'tenant' && !principal.namespaces.includes(ns))) {
    throw new HallHttpError(403, 'NAMESPACE_FORBIDDEN', `This token may not enroll workers in ${ns}. Use a token of the tenant that owns ${ns}, or the admin token.`);
  }
}

/** Species ownership and one-record-per-species, checked before writing (the database re-checks). */
async function assertSpeciesFree(registry: RegistryStore, body: EnrollBody, ns: string): Promise<void> {
  const species = body.worker_species_id;
  const [owner, holder] = await Promise.all([registry.speciesOwner(species), registry.workerOfSpecies(species)]);
  if (owner && owner.namespace !== ns) throw speciesOwned(species, owner.namespace);
  if (holder && holder.worker_id !== body.worker_id) {
    throw new HallHttpError(409, 'SPECIES_ALREADY_ENROLLED', `${species.slice(0, 256)} is already enrolled as ${holder.worker_id}; a species has one worker record. Re-enroll ${holder.worker_id}, or remove it first (DELETE /workers/${holder.worker_id}).`);
  }
}

function speciesOwned(species: string, owner: string | null): HallHttpError {
  return new HallHttpError(403, 'SPECIES_OWNED', `The species ${species.slice(0, 256)} belongs to ${owner ?? 'another namespace'}; only that namespace can enroll it. Use a species id of your own, or ask the operator to reassign it (PUT /admin/species/:species_id).`);
}

/** Verifies the signed statement; returns the signing key id. */
async function verifySignedStatement(keys: unknown[], ns: string, body: EnrollBody, storedSignedAt: string | null, nowMs: number): Promise<string> {
  const { signature, signing_key_id: keyId, signed_at: signedAt } = body;
  if (signature === undefined || keyId === undefined || signedAt === undefined) {
    throw new HallHttpError(401, 'ENROLLMENT_SIGNATURE_REQUIRED', `${ns} has registered signing keys, so the enrollment must carry "signature" (Ed25519 over the enrollment statement), "signing_key_id" and "signed_at". The edgehall SDK's enrollmentBody() builds them.`);
  }
  const jwk = keys.find((k) => !!k && typeof k === 'object' && (k as { kid?: unknown }).kid === keyId);
  if (!jwk) throw new HallHttpError(403, 'ENROLLMENT_KEY_UNKNOWN', `signing_key_id ${keyId.slice(0, 200)} is not a key of ${ns}. Sign with a key registered for the worker's namespace.`);
  const verifier = await createEd25519Verifier(importEd25519PublicJwk(jwk).publicKey);
  const statement = enrollmentStatement(body.worker_id, body.artifact_hash, signedAt);
  if (!(await verifier.verify(utf8(statement), fromBase64Url(signature)))) {
    throw new HallHttpError(403, 'ENROLLMENT_SIGNATURE_INVALID', `The signature does not verify with ${keyId.slice(0, 200)} over this enrollment statement (worker_id, artifact_hash, signed_at). Sign the exact statement with that key.`);
  }
  const at = Date.parse(signedAt);
  if (Math.abs(nowMs - at) > ENROLLMENT_FRESHNESS_MS) {
    throw new HallHttpError(409, 'ENROLLMENT_STALE', `signed_at ${signedAt} is more than ${ENROLLMENT_FRESHNESS_MS / 60_000} minutes from the Hall's clock. Sign the enrollment again now (and check the signer's clock).`);
  }
  if (storedSignedAt !== null && at <= Date.parse(storedSignedAt)) {
    throw new HallHttpError(409, 'ENROLLMENT_REPLAYED', `The Hall already holds a record of ${body.worker_id} signed at ${storedSignedAt}; an enrollment signed earlier (or at the same time) is refused. Sign the record again to enroll it.`);
  }
  return keyId;
}

export async function postEnroll(ctx: RequestContext): Promise<Response> {
  const principal = await requirePrincipal(ctx);
  const raw = (await readJson(ctx.request, ENROLL_BODY_LIMIT)) as Record<string, unknown>;
  return jsonResponse(await enrollRecord(ctx, principal, raw), 201);
}

/** The enrollment path itself (POST /enroll, and the upstream MCP import): checks, then one D1 batch. */
export async function enrollRecord(ctx: RequestContext, principal: Principal, raw: Record<string, unknown>): Promise<Record<string, unknown>> {
  const body = parseWith(EnrollBodySchema, raw, 'The registry record');
  const record: Record<string, unknown> = { ...raw };
  for (const f of ENROLLMENT_TRANSPORT_FIELDS) delete record[f];

  const ns = tenantNamespaceOf(body.worker_id);
  if (!ns) {
    throw new HallHttpError(400, 'WORKER_ID_INVALID', 'worker_id must live in a tenant namespace: org.<name>.<worker> or x.<name>.<worker> (lowercase letters, digits, hyphens).');
  }
  assertMayEnroll(principal, ns);
  try {
    buildRegistry([record], { strict: true });
  } catch (err) {
    const issues = (err as { issues?: unknown }).issues ?? [];
    throw new HallHttpError(400, 'INVALID_INPUT', 'The registry record is invalid (control ids must be ctrl.<name>, attestation.code_hash 64 lowercase hex). Fix the listed fields and retry.', { issues });
  }
  if (enrollmentArtifactHash(record) !== body.artifact_hash) {
    throw new HallHttpError(400, 'DENY_WORKER_TAMPERED', 'artifact_hash does not match the record: it was modified after the hash was computed. Recompute artifact_hash (sha256 of the record without it, sorted compact JSON) and enroll again.');
  }
  // Where the gateway may send this worker's calls, and how its tools are described (422 with paths).
  assertDispatchableRecord(record, ns, dispatchPolicyOf(ctx.env));

  const registry = ctx.stores.registry;
  const [keys, current] = await Promise.all([readNamespaceKeys(ctx.stores.config, ns, 'enrollments there'), registry.getWorker(body.worker_id)]);
  await assertSpeciesFree(registry, body, ns);
  const limit = maxWorkers(ctx);
  if (!current && (await registry.countWorkers(ns)) >= limit) {
    throw new HallHttpError(409, 'NAMESPACE_WORKER_QUOTA_EXCEEDED', `${ns} already has ${limit} enrolled workers, the most a namespace may hold. Remove unused workers (DELETE /workers/:worker_id) or ask the operator to raise HALL_MAX_WORKERS_PER_NAMESPACE.`);
  }
  const nowMs = Date.now();
  const signedBy = keys.length > 0 ? await verifySignedStatement(keys, ns, body, current?.signed_at ?? null, nowMs) : null;

  const enrolledAt = new Date(nowMs).toISOString();
  const enrollmentId = `enr_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const by = principalLabel(principal);
  try {
    await registry.enroll(
      {
        worker_id: body.worker_id,
        namespace: ns,
        worker_species_id: body.worker_species_id,
        record_json: JSON.stringify(record),
        artifact_hash: body.artifact_hash,
        enrollment_id: enrollmentId,
        enrolled_by: by,
        enrolled_at: enrolledAt,
        signed_at: signedBy ? body.signed_at! : null,
      },
      { enrollment_id: enrollmentId, worker_id: body.worker_id, worker_species_id: body.worker_species_id, artifact_hash: body.artifact_hash, signed_by: signedBy, enrolled_by: by, enrolled_at: enrolledAt },
    );
  } catch (err) {
    // A concurrent enrollment claimed the species first: the database refused the whole batch.
    if (err instanceof RegistryConflictError) {
      if (err.reason === 'species_owned') throw speciesOwned(body.worker_species_id, null);
      throw new HallHttpError(409, 'SPECIES_ALREADY_ENROLLED', `${body.worker_species_id.slice(0, 256)} was enrolled by another worker at the same time; a species has one worker record. Check GET /wcp/workers and retry.`);
    }
    throw err;
  }
  ctx.runtime.configChanged();
  return { enrolled: true, enrollment_id: enrollmentId, worker_id: body.worker_id, namespace: ns, artifact_hash_verified: true, enrolled_at: enrolledAt, signed_by: signedBy };
}
