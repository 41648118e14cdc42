// POST /enroll: enroll (or re-enroll) a worker registry record.
//   - artifact_hash must be "sha256:" + SHA-256 of the record without artifact_hash, serialised as
//     Python's sorted compact json.dumps (pyhall's Hall API rule) — else 400 DENY_WORKER_TAMPERED;
//   - tenants may enroll only in their own namespaces (org.<name> / x.<name> of worker_id);
//   - when the namespace has registered Ed25519 keys, the body must carry `signature` (base64url
//     Ed25519 over the ASCII bytes of artifact_hash) and `signing_key_id` naming one of those keys.
// `signature` and `signing_key_id` are transport fields: not part of the record or its hash.
import { z } from 'zod';
import { createEd25519Verifier, importEd25519PublicJwk } from '../../src/crypto/index.js';
import { RegistryRecordSchema, buildRegistry, tenantNamespaceOf } from '../../src/routing/index.js';
import { enrollmentArtifactHash } from '../../src/routing/enrollment-hash.js';
import { fromBase64Url, utf8 } from '../../src/util/index.js';
import type { RequestContext } from '../context.js';
import { principalLabel, requirePrincipal } from '../http/auth.js';
import { parseWith, readJson } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';
import { KV, bumpConfigVersion } from '../stores/config-store.js';
import { MAX_ID_LENGTH } from '../schemas.js';

export const ENROLL_BODY_LIMIT = 64 * 1024;

export const EnrollBodySchema = RegistryRecordSchema.extend({
  worker_id: z.string().min(1).max(MAX_ID_LENGTH),
  worker_species_id: z.string().min(1).max(MAX_ID_LENGTH),
  artifact_hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" followed by 64 lowercase hex digits'),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a 64-byte Ed25519 signature in base64url').optional(),
  signing_key_id: z.string().min(1).max(200).optional(),
});

interface NamespaceRecord {
  keys?: unknown[];
}

export async function postEnroll(ctx: RequestContext): Promise<Response> {
  const principal = await requirePrincipal(ctx);
  const raw = await readJson(ctx.request, ENROLL_BODY_LIMIT);
  const parsed = parseWith(EnrollBodySchema, raw, 'The registry record');
  const { signature, signing_key_id: keyId, ...fields } = raw as Record<string, unknown>;
  const record = fields as Record<string, unknown>;

  const ns = tenantNamespaceOf(parsed.worker_id);
  if (!ns) {
    throw new HallHttpError(400, 'WORKER_ID_INVALID', 'worker_id must live in a tenant namespace: org.<name>.<worker> or x.<name>.<worker> (lowercase letters, digits, hyphens).');
  }
  if (principal.kind === 'approver' || (principal.kind === 'tenant' && !principal.namespaces.includes(ns))) {
    throw new HallHttpError(403, 'NAMESPACE_FORBIDDEN', `This token may not enroll workers in ${ns}. Use a token of the tenant that owns ${ns}, or the admin token.`);
  }
  try {
    buildRegistry([record], { strict: true });
  } catch (err) {
    const issues = (err as { issues?: unknown }).issues ?? [];
    throw new HallHttpError(400, 'INVALID_INPUT', 'The registry record is invalid (control ids must be ctrl.<name>, attestation.code_hash 64 lowercase hex). Fix the listed fields and retry.', { issues });
  }
  const expected = enrollmentArtifactHash(record);
  if (expected !== parsed.artifact_hash) {
    throw new HallHttpError(400, 'DENY_WORKER_TAMPERED', 'artifact_hash does not match the record: it was modified after the hash was computed. Recompute artifact_hash (sha256 of the record without it, sorted compact JSON) and enroll again.');
  }

  const store = ctx.stores.config;
  const nsText = await store.get(KV.namespace(ns));
  let nsRecord: NamespaceRecord | null = null;
  try {
    nsRecord = nsText === null ? null : (JSON.parse(nsText) as NamespaceRecord);
  } catch {
    throw new HallHttpError(503, 'NAMESPACE_KEYS_UNAVAILABLE', `The key set of ${ns} is corrupt, so enrollments there are refused. An operator must re-upload it with PUT /admin/namespaces/${ns}.`);
  }
  const keys = Array.isArray(nsRecord?.keys) ? nsRecord!.keys : [];
  let signedBy: string | null = null;
  if (keys.length > 0) {
    if (typeof signature !== 'string' || typeof keyId !== 'string') {
      throw new HallHttpError(401, 'ENROLLMENT_SIGNATURE_REQUIRED', `${ns} has registered signing keys, so the enrollment must carry "signature" (Ed25519 over the artifact_hash) and "signing_key_id".`);
    }
    const jwk = keys.find((k) => !!k && typeof k === 'object' && (k as { kid?: unknown }).kid === keyId);
    if (!jwk) {
      throw new HallHttpError(403, 'ENROLLMENT_KEY_UNKNOWN', `signing_key_id ${keyId.slice(0, 200)} is not a key of ${ns}. Sign with a key registered for the worker's namespace.`);
    }
    const verifier = await createEd25519Verifier(importEd25519PublicJwk(jwk).publicKey);
    let sig: Uint8Array;
    try {
      sig = fromBase64Url(signature);
    } catch {
      sig = new Uint8Array(0);
    }
    if (!(await verifier.verify(utf8(parsed.artifact_hash), sig))) {
      throw new HallHttpError(403, 'ENROLLMENT_SIGNATURE_INVALID', `The signature does not verify with ${keyId.slice(0, 200)} over this artifact_hash. Sign the exact artifact_hash string with that key.`);
    }
    signedBy = keyId;
  }

  const enrolledAt = new Date().toISOString();
  const enrollmentId = `enr_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
  // History first: a record in KV without its enrollment row would be evidence-free.
  await ctx.stores.evidence.recordEnrollment({
    enrollment_id: enrollmentId,
    worker_id: parsed.worker_id,
    worker_species_id: parsed.worker_species_id,
    artifact_hash: parsed.artifact_hash,
    signed_by: signedBy,
    enrolled_by: principalLabel(principal),
    enrolled_at: enrolledAt,
  });
  await store.put(KV.worker(parsed.worker_id), JSON.stringify(record));
  await bumpConfigVersion(store);
  ctx.runtime.configChanged();
  return jsonResponse(
    { enrolled: true, enrollment_id: enrollmentId, worker_id: parsed.worker_id, artifact_hash_verified: true, enrolled_at: enrolledAt, signed_by: signedBy },
    201,
  );
}
