// Enrollment records as the Hall checks them (pyhall's Hall API rule): artifact_hash is
// "sha256:" + SHA-256 of the record without artifact_hash, as Python's sorted compact json.dumps
// (src/routing/enrollment-hash.ts, shared with the Hall); a namespace with registered keys also
// wants an Ed25519 signature over that string.
import { enrollmentArtifactHash } from '../routing/enrollment-hash.js';
import { toBase64Url, utf8 } from '../util/bytes.js';

/** Anything that signs bytes with an Ed25519 key of the worker's namespace (e.g. createEd25519Signer). */
export interface EnrollmentSigner {
  kid: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** The enrollment body: the record with its artifact_hash, plus signature fields when a signer is given. */
export async function enrollmentBody(record: Record<string, unknown>, signer?: EnrollmentSigner): Promise<Record<string, unknown>> {
  const { signature: _s, signing_key_id: _k, ...clean } = record;
  const artifact_hash = enrollmentArtifactHash(clean);
  const body: Record<string, unknown> = { ...clean, artifact_hash };
  if (signer) {
    body['signature'] = toBase64Url(await signer.sign(utf8(artifact_hash)));
    body['signing_key_id'] = signer.kid;
  }
  return body;
}
