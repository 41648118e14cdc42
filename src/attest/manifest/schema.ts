// zod wire schema of the manifests edgehall writes (awp.v1, HMAC or Ed25519 signed). The
// verifier deliberately does not validate with it: to stay byte-compatible with pyhall it reads
// any JSON object and applies pyhall's checks (see verify.ts).
import { z } from 'zod';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const utcSeconds = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'must be UTC ISO-8601 to the second, e.g. 2026-01-01T00:00:00Z');

export const UnsignedManifestSchema = z.object({
  schema_version: z.literal('awp.v1'),
  worker_id: z.string().min(1),
  worker_species_id: z.string().min(1),
  worker_version: z.string().min(1),
  package_hash: hex64,
  built_at_utc: utcSeconds,
  attested_at_utc: utcSeconds,
  build_source: z.string(),
  trust_statement: z.string(),
});

export const HmacManifestSchema = UnsignedManifestSchema.extend({ signature_hmac_sha256: hex64 });

export const Ed25519ManifestSchema = UnsignedManifestSchema.extend({
  signing_key_id: z.string().min(1),
  signature_ed25519: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'must be a 64-byte Ed25519 signature in unpadded base64url'),
});

export const AwpManifestSchema = z.union([HmacManifestSchema, Ed25519ManifestSchema]);

export type UnsignedManifest = z.infer<typeof UnsignedManifestSchema>;
export type HmacManifest = z.infer<typeof HmacManifestSchema>;
export type Ed25519Manifest = z.infer<typeof Ed25519ManifestSchema>;
export type AwpManifest = z.infer<typeof AwpManifestSchema>;
