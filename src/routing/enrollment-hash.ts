// The enrollment artifact_hash (pyhall's Hall API rule): "sha256:" + SHA-256 of the registry record
// without artifact_hash, as Python's sorted compact json.dumps. The client computes it, the Hall
// checks it; one definition keeps the two in step. `signature` and `signing_key_id` are transport
// fields of the enrollment body, never part of the record, so they are left out too.
import { pyJsonDumpsCompact } from '../util/pyjson.js';
import { sha256Hex } from '../util/sha256.js';

/** The `artifact_hash` the Hall expects for a registry record (any existing artifact_hash is ignored). */
export function enrollmentArtifactHash(record: Record<string, unknown>): string {
  const { artifact_hash: _ignored, signature: _s, signing_key_id: _k, ...rest } = record;
  return `sha256:${sha256Hex(pyJsonDumpsCompact(rest))}`;
}
