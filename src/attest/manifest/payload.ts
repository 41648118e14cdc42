// The awp.v1 signing payload: seven fields, `json.dumps(sort_keys=True, separators=(',',':'))`
// with ensure_ascii. A missing field is serialised as null. attested_at_utc and trust_statement
// are deliberately not signed (pyhall).
import { utf8 } from '../../util/bytes.js';
import { pyJsonDumpsCompact } from '../../util/pyjson.js';
import { pyDumpsCompact, type PyDict, type PyJson } from './pyjson-parse.js';

export const AWP_SCHEMA_VERSION = 'awp.v1';

export const SIGNED_MANIFEST_FIELDS = [
  'schema_version',
  'worker_id',
  'worker_species_id',
  'worker_version',
  'package_hash',
  'built_at_utc',
  'build_source',
] as const;

export type SignedManifestField = (typeof SIGNED_MANIFEST_FIELDS)[number];

/** Payload bytes of a manifest built here (plain strings). */
export function manifestSigningPayload(manifest: Partial<Record<SignedManifestField, unknown>>): Uint8Array {
  const payload: Record<string, unknown> = {};
  for (const k of SIGNED_MANIFEST_FIELDS) payload[k] = manifest[k] ?? null;
  return utf8(pyJsonDumpsCompact(payload));
}

/** Payload bytes of a parsed manifest, keeping Python's int/float distinction. */
export function parsedManifestSigningPayload(manifest: PyDict): Uint8Array {
  const payload: PyDict = new Map<string, PyJson>();
  for (const k of SIGNED_MANIFEST_FIELDS) payload.set(k, manifest.has(k) ? manifest.get(k)! : null);
  return utf8(pyDumpsCompact(payload));
}
