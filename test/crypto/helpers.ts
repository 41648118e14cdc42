import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const VECTORS = fileURLToPath(new URL('./vectors/', import.meta.url));

export interface ManifestCase {
  name: string;
  category: string;
  description: string;
  tar: string | null;
  tgz: string | null;
  root_prefix: string;
  expected: { package_hash: string };
  manifest: string | null;
  secret: string | null;
  worker_id: string;
  worker_species_id: string;
  signing_payload?: string;
  hmac_sha256_under_secret?: string;
  expected_verify: {
    ok: boolean;
    deny_code: string | null;
    package_hash?: string;
    trust_statement?: string;
    reference_raises?: string;
  };
}

export function manifestCases(): ManifestCase[] {
  return JSON.parse(readFileSync(VECTORS + 'index.json', 'utf8')) as ManifestCase[];
}

export function vectorBytes(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(VECTORS + rel));
}

/** Named deny codes for cases where the reference raises instead of denying. */
export function raisesCode(c: ManifestCase): string {
  const r = c.expected_verify.reference_raises ?? '';
  if (r.startsWith('ValueError')) return 'ATTEST_NAMESPACE_INVALID';
  if (r.startsWith('TypeError')) return 'ATTEST_SIGNATURE_MALFORMED';
  if (r.startsWith('AttributeError')) return 'ATTEST_MANIFEST_INVALID';
  throw new Error(`unmapped reference exception: ${r}`);
}
