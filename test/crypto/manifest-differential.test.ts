// 275 edge-case manifests (odd JSON types in signed and unsigned fields, floats vs ints, NaN,
// duplicate keys, BOM, Latin-1, non-object manifests, malformed signatures, odd worker ids, no
// secret...) with verdicts computed by CPython running pyhall's verify() sequence
// (tools/differential-oracle.py). Where the reference raises, a named deny code is required.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyManifest } from '../../src/attest/manifest/index.js';
import { VECTORS } from './helpers.js';

interface DiffCase {
  label: string;
  manifest_b64: string | null;
  package_hash: string;
  worker_id: string;
  species_id: string;
  secret: string | null;
  expected: { ok: boolean; code: string | null; trust_statement: string | null };
}

const { cases } = JSON.parse(readFileSync(VECTORS + 'differential.json', 'utf8')) as { cases: DiffCase[] };
const RAISES: Record<string, string> = {
  'RAISE:AttributeError': 'ATTEST_MANIFEST_INVALID',
  'RAISE:TypeError': 'ATTEST_SIGNATURE_MALFORMED',
  'RAISE:ValueError': 'ATTEST_NAMESPACE_INVALID',
};

describe('manifest edge cases against the CPython oracle', () => {
  it('covers accepts and every denial kind', () => {
    expect(cases.length).toBeGreaterThan(250);
    expect(cases.filter((c) => c.expected.ok).length).toBeGreaterThan(100);
    expect(new Set(cases.map((c) => c.expected.code)).size).toBeGreaterThanOrEqual(9);
  });
  it.each(cases.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
    const v = await verifyManifest({
      manifestBytes: c.manifest_b64 === null ? null : new Uint8Array(Buffer.from(c.manifest_b64, 'base64')),
      packageHash: c.package_hash,
      workerId: c.worker_id,
      speciesId: c.species_id,
      secret: c.secret,
    });
    expect(v.ok).toBe(c.expected.ok);
    expect(v.deny_code).toBe(c.expected.code === null ? null : (RAISES[c.expected.code] ?? c.expected.code));
    if (c.expected.ok) expect(v.trust_statement).toBe(c.expected.trust_statement);
  });
});
