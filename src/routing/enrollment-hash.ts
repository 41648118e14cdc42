// The enrollment artifact_hash (pyhall's Hall API rule): "sha256:" + SHA-256 of the registry record
// without artifact_hash, as Python's sorted compact json.dumps. The client computes it, the Hall
// checks it; one definition keeps the two in step. `signature`, `signing_key_id` and `signed_at`
// are transport fields of the enrollment body, never part of the record, so they are left out too.
//
// A signed enrollment signs a statement, not the bare hash: the worker id, the record's hash and
// the time it was signed. The Hall refuses a statement older than the record it already holds (or
// outside its freshness window), so a captured older enrollment cannot be replayed to roll a
// worker back.
import { pyJsonDumpsCompact } from '../util/pyjson.js';
import { sha256Hex } from '../util/sha256.js';

/** Fields of an enrollment body that travel with the record but are not part of it. */
export const ENROLLMENT_TRANSPORT_FIELDS = ['signature', 'signing_key_id', 'signed_at'] as const;

/** The `artifact_hash` the Hall expects for a registry record (any existing artifact_hash is ignored). */
export function enrollmentArtifactHash(record: Record<string, unknown>): string {
  const { artifact_hash: _ignored, signature: _s, signing_key_id: _k, signed_at: _t, ...rest } = record;
  return `sha256:${sha256Hex(pyJsonDumpsCompact(rest))}`;
}

/** The exact text an enrollment signature covers (UTF-8): four lines, each ending in "\n". */
export function enrollmentStatement(workerId: string, artifactHash: string, signedAt: string): string {
  return `edgehall-enrollment-v1\n${workerId}\n${artifactHash}\n${signedAt}\n`;
}
