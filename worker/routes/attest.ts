// Package attestation over HTTP. Uploads are streamed straight from request.body through the tar
// reader (hashing as bytes arrive); they are never buffered whole. The byte cap is enforced while
// streaming (Content-Length is only an early hint).
//   POST /attest/hash                      canonical package hash of a .tar/.tgz
//   POST /attest/verify?worker_id=&species= verify the archive's root manifest.json (Ed25519
//                                           namespace keys of the worker's namespace)
//   POST /workers/:worker_id/attestation   verify, then register the package hash for routing
import { z } from 'zod';
import { TarError, ingestPackage, verifyArchive, type ArchiveVerdict } from '../../src/attest/index.js';
import { tenantNamespaceOf } from '../../src/routing/index.js';
import type { RequestContext } from '../context.js';
import { principalLabel, requirePrincipal } from '../http/auth.js';
import { parseWith, pathParam, queryObject } from '../http/body.js';
import { HallHttpError, jsonResponse, problemResponse } from '../http/problem.js';
import { KV } from '../stores/config-store.js';
import { readNamespaceKeys } from '../stores/namespace-keys.js';
import { MAX_ID_LENGTH } from '../schemas.js';

export const ATTEST_UPLOAD_LIMIT = 64 * 1024 * 1024;
/**
 * Tar limits for uploads, tighter than the SDK's where memory is the isolate's (128 MB): the paths
 * of an upload are kept in its records and its answer, so their sum is held to 4 MiB.
 */
export const UPLOAD_LIMITS = { maxPathBytesTotal: 4 * 1024 * 1024 } as const;

const stripPrefix = z.string().min(1).max(255).optional();
export const HashQuerySchema = z.object({ strip_prefix: stripPrefix }).strict();
export const VerifyQuerySchema = z
  .object({ worker_id: z.string().min(1).max(MAX_ID_LENGTH), species: z.string().min(1).max(MAX_ID_LENGTH), strip_prefix: stripPrefix })
  .strict();
export const RegisterQuerySchema = z.object({ species: z.string().min(1).max(MAX_ID_LENGTH).optional(), strip_prefix: stripPrefix }).strict();

function uploadLimit(ctx: RequestContext): number {
  const raw = ctx.env.HALL_ATTEST_MAX_BYTES;
  return raw !== undefined && /^\d{1,12}$/.test(raw) && Number(raw) > 0 ? Number(raw) : ATTEST_UPLOAD_LIMIT;
}

function tooLarge(limit: number): HallHttpError {
  return new HallHttpError(413, 'BODY_TOO_LARGE', `The upload exceeds ${limit} bytes. Upload a smaller package.`, { limit_bytes: limit });
}

/** request.body behind a byte counter that errors the stream once the cap is passed. */
function cappedUpload(ctx: RequestContext): { stream: ReadableStream<Uint8Array>; exceeded: () => boolean; limit: number } {
  const request = ctx.request;
  const limit = uploadLimit(ctx);
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) throw tooLarge(limit);
  if (!request.body) throw new HallHttpError(400, 'UPLOAD_MISSING', 'Send the package archive (.tar or .tgz) as the request body.');
  let seen = 0;
  let over = false;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit) {
        over = true;
        controller.error(new Error('upload exceeds the byte cap'));
        return;
      }
      controller.enqueue(chunk);
    },
  });
  return { stream: request.body.pipeThrough(counter), exceeded: () => over, limit };
}

/** The namespace's registered keys ({keys: []} when none are registered; corrupt: 503). */
async function namespaceKeys(ctx: RequestContext, workerId: string): Promise<{ keys: unknown[] }> {
  const ns = tenantNamespaceOf(workerId);
  if (!ns) return { keys: [] };
  return { keys: await readNamespaceKeys(ctx.stores.config, ns, 'verifications and attestations of its packages') };
}

function verdictBody(v: ArchiveVerdict): Record<string, unknown> {
  const { records: _records, ...rest } = v;
  return { ...rest, files: v.records?.length ?? 0 };
}

/** A denied verification is an answer, sent as 422 problem+json that also carries the verdict. */
function deniedVerdict(v: ArchiveVerdict): Response {
  const code = v.deny_code ?? 'ATTEST_DENIED';
  return problemResponse(422, code, v.message ?? 'The package did not verify.', { ...verdictBody(v), ok: false, deny_code: code });
}

export async function attestHash(ctx: RequestContext): Promise<Response> {
  await requirePrincipal(ctx);
  const q = parseWith(HashQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const upload = cappedUpload(ctx);
  try {
    const r = await ingestPackage(upload.stream, { ...(q.strip_prefix !== undefined ? { stripPrefix: q.strip_prefix } : {}), captureRootFile: null, limits: UPLOAD_LIMITS });
    return jsonResponse({ package_hash: r.package_hash, records: r.records, excluded_entries: r.excluded_entries, stats: r.stats });
  } catch (err) {
    if (upload.exceeded()) throw tooLarge(upload.limit);
    if (err instanceof TarError) throw new HallHttpError(422, err.code, err.message, err.details ? { details: err.details } : {});
    if (err instanceof TypeError && /strip prefix/.test(err.message)) throw new HallHttpError(400, 'INVALID_QUERY', `${err.message}. Pass a strip_prefix every entry starts with.`);
    throw new HallHttpError(400, 'UPLOAD_UNREADABLE', 'The upload could not be read to the end. Upload the whole archive again.');
  }
}

export async function attestVerify(ctx: RequestContext): Promise<Response> {
  await requirePrincipal(ctx);
  const q = parseWith(VerifyQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const keys = await namespaceKeys(ctx, q.worker_id);
  const upload = cappedUpload(ctx);
  // strictContent: unhashed files (caches, *.pyc, nested manifests) and colliding names are refused.
  const v = await verifyArchive(upload.stream, { workerId: q.worker_id, speciesId: q.species, keys, secret: null, strictContent: true, limits: UPLOAD_LIMITS, ...(q.strip_prefix !== undefined ? { stripPrefix: q.strip_prefix } : {}) });
  if (upload.exceeded()) throw tooLarge(upload.limit);
  return v.ok ? jsonResponse(verdictBody(v)) : deniedVerdict(v);
}

export async function registerAttestation(ctx: RequestContext): Promise<Response> {
  const principal = await requirePrincipal(ctx);
  const q = parseWith(RegisterQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  const workerId = pathParam(ctx.params, 'worker_id');
  const ns = tenantNamespaceOf(workerId);
  if (!ns) throw new HallHttpError(404, 'WORKER_NOT_FOUND', 'No worker with this worker_id is enrolled. Enroll it with POST /enroll first.');
  if (principal.kind === 'approver' || (principal.kind === 'tenant' && !principal.namespaces.includes(ns))) {
    throw new HallHttpError(403, 'NAMESPACE_FORBIDDEN', `This token may not register attestations in ${ns}. Use a token of the tenant that owns ${ns}, or the admin token.`);
  }
  const store = ctx.stores.config;
  const enrolled = await ctx.stores.registry.getWorker(workerId);
  if (!enrolled || enrolled.namespace !== ns) throw new HallHttpError(404, 'WORKER_NOT_FOUND', 'No worker with this worker_id is enrolled. Enroll it with POST /enroll first.');
  const species = enrolled.worker_species_id;
  if (q.species !== undefined && q.species !== species) {
    throw new HallHttpError(409, 'SPECIES_MISMATCH', `The worker is enrolled as ${species}, not ${q.species}. Attest the package of the enrolled species.`);
  }
  const keys = await namespaceKeys(ctx, workerId);
  if (keys.keys.length === 0) {
    throw new HallHttpError(409, 'NAMESPACE_KEYS_MISSING', `${ns} has no registered Ed25519 keys, so its packages cannot be attested. An operator registers them with PUT /admin/namespaces/${ns}.`);
  }
  const upload = cappedUpload(ctx);
  // strictContent refuses ATTEST_EXCLUDED_CONTENT / TAR_NAME_COLLISION before anything is stored.
  const v = await verifyArchive(upload.stream, { workerId, speciesId: species, keys, secret: null, strictContent: true, limits: UPLOAD_LIMITS, ...(q.strip_prefix !== undefined ? { stripPrefix: q.strip_prefix } : {}) });
  if (upload.exceeded()) throw tooLarge(upload.limit);
  if (!v.ok || !v.package_hash) return deniedVerdict(v);
  if (v.signature_type !== 'ed25519') {
    return deniedVerdict({ ...v, ok: false, deny_code: 'ATTEST_ED25519_REQUIRED', message: 'Registered attestations must be signed with an Ed25519 namespace key (not HMAC). Sign the manifest with a key of the namespace.' });
  }
  const banText = await store.get(KV.banList);
  if (banText !== null && banText.includes(v.package_hash)) {
    return deniedVerdict({ ...v, ok: false, deny_code: 'ATTEST_PACKAGE_BANNED', message: 'This package hash is on the Hall\'s ban list. Publish a fixed package and attest that one.' });
  }
  const registeredAt = new Date().toISOString();
  const attestation = {
    worker_id: workerId,
    worker_species_id: species,
    package_hash: v.package_hash,
    signing_key_id: v.signing_key_id ?? null,
    registered_at: registeredAt,
    registered_by: principalLabel(principal),
  };
  const attestationId = `att_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
  // Registered hash, history row and Hall generation in one batch.
  await ctx.stores.registry.registerAttestation(
    { worker_id: workerId, namespace: ns, worker_species_id: species, package_hash: v.package_hash, attestation_id: attestationId, registered_by: attestation.registered_by, registered_at: registeredAt },
    { attestation_id: attestationId, ...attestation },
  );
  ctx.runtime.configChanged();
  return jsonResponse({ registered: true, ...attestation, trust_statement: v.trust_statement ?? null }, 201);
}
