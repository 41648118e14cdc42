// Enrollment records as the Hall checks them (pyhall's Hall API rule): artifact_hash is
// "sha256:" + SHA-256 of the record without artifact_hash, as Python's sorted compact json.dumps
// (src/routing/enrollment-hash.ts, shared with the Hall); a namespace with registered keys also
// wants an Ed25519 signature over the enrollment statement (worker id, that hash, signing time).
import { enrollmentArtifactHash, enrollmentStatement } from '../routing/enrollment-hash.js';
import { toBase64Url, utf8 } from '../util/bytes.js';

/** Anything that signs bytes with an Ed25519 key of the worker's namespace (e.g. createEd25519Signer). */
export interface EnrollmentSigner {
  kid: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** The enrollment body: the record with its artifact_hash, plus signature fields when a signer is given. */
export async function enrollmentBody(
  record: Record<string, unknown>,
  signer?: EnrollmentSigner,
  signedAt: Date = new Date(),
): Promise<Record<string, unknown>> {
  const { signature: _s, signing_key_id: _k, signed_at: _t, ...clean } = record;
  const artifact_hash = enrollmentArtifactHash(clean);
  const body: Record<string, unknown> = { ...clean, artifact_hash };
  if (signer) {
    const signed_at = signedAt.toISOString();
    const workerId = typeof clean['worker_id'] === 'string' ? clean['worker_id'] : '';
    body['signature'] = toBase64Url(await signer.sign(utf8(enrollmentStatement(workerId, artifact_hash, signed_at))));
    body['signing_key_id'] = signer.kid;
    body['signed_at'] = signed_at;
  }
  return body;
}
