// Every manifest vector (pyhall's PackageAttestationVerifier verdicts), checked against the
// package hash the vector states. The archive path (tar reader + manifest) is in archive.test.ts.
import { describe, expect, it } from 'vitest';
import { verifyManifest, parsedManifestSigningPayload } from '../../src/attest/manifest/index.js';
import { parsePyJson, type PyDict } from '../../src/attest/manifest/pyjson-parse.js';
import { decodeUtf8Strict, utf8 } from '../../src/util/index.js';
import { hmacSha256Hex } from '../../src/crypto/index.js';
import { manifestCases, raisesCode, vectorBytes } from './helpers.js';

const cases = manifestCases();

describe('awp.v1 manifest vectors', () => {
  it('has the public manifest cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(17);
  });

  for (const c of cases) {
    it(`${c.category} ${c.name}`, async () => {
      const verdict = await verifyManifest({
        manifestBytes: c.manifest ? vectorBytes(c.manifest) : null,
        packageHash: c.expected.package_hash,
        workerId: c.worker_id,
        speciesId: c.worker_species_id,
        secret: c.secret,
      });
      const ev = c.expected_verify;
      expect(verdict.ok).toBe(ev.ok);
      if (ev.reference_raises) {
        expect(verdict.deny_code).toBe(raisesCode(c));
      } else {
        expect(verdict.deny_code).toBe(ev.deny_code);
      }
      if (ev.ok) {
        expect(verdict.package_hash).toBe(ev.package_hash);
        expect(verdict.trust_statement).toBe(ev.trust_statement);
      }
      if (!ev.ok) expect(verdict.message).toMatch(/\S/);
    });
  }

  for (const c of cases.filter((x) => x.signing_payload && x.manifest)) {
    it(`signing payload and HMAC bytes of ${c.name}`, () => {
      const m = parsePyJson(decodeUtf8Strict(vectorBytes(c.manifest!))) as PyDict;
      const payload = parsedManifestSigningPayload(m);
      expect(new TextDecoder().decode(payload)).toBe(c.signing_payload);
      expect(hmacSha256Hex(c.secret!, payload)).toBe(c.hmac_sha256_under_secret);
      expect(hmacSha256Hex(utf8(c.secret!), payload)).toBe(c.hmac_sha256_under_secret);
    });
  }
});
