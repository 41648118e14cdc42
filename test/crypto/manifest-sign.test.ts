import { describe, expect, it } from 'vitest';
import {
  buildManifest,
  serializeManifest,
  signManifestEd25519,
  signManifestHmac,
  verifyManifest,
  HmacManifestSchema,
  Ed25519ManifestSchema,
  type UnsignedManifest,
} from '../../src/attest/manifest/index.js';
import {
  exportEd25519PrivateJwk,
  exportEd25519PublicJwk,
  generateEd25519KeyPair,
  importEd25519PrivateJwk,
  setEd25519Backend,
} from '../../src/crypto/index.js';
import { utf8 } from '../../src/util/index.js';
import { manifestCases, vectorBytes } from './helpers.js';

const cases = manifestCases();

describe('HMAC manifests built here are byte-identical to pyhall write_manifest output', () => {
  for (const c of cases.filter((x) => x.category === 'manifest')) {
    it(c.name, () => {
      const m = /at (\S+Z); verifies OK/.exec(c.description);
      const time = m?.[1] ?? /"built_at_utc":"([^"]+)"/.exec(c.signing_payload!)![1]!;
      const src = JSON.parse(new TextDecoder().decode(vectorBytes(c.manifest!))) as Record<string, string>;
      const built = signManifestHmac(
        buildManifest({
          packageHash: c.expected.package_hash,
          workerId: c.worker_id,
          speciesId: c.worker_species_id,
          workerVersion: src.worker_version!,
          buildSource: src.build_source!,
          now: new Date(time),
        }),
        c.secret!,
      );
      expect(HmacManifestSchema.safeParse(built).success).toBe(true);
      expect(serializeManifest(built)).toBe(new TextDecoder().decode(vectorBytes(c.manifest!)));
    });
  }
});

function unsigned(workerId = 'org.acme.summarizer.i-1'): UnsignedManifest {
  return buildManifest({
    packageHash: 'a6eeb3dd3aafc410838802130e3675527dcceadf6d2b1e817e2b97f62abf3bb6',
    workerId,
    speciesId: 'wrk.doc.summarizer',
    workerVersion: '2.0.0',
    buildSource: 'ci',
    now: new Date('2026-03-01T12:00:00.789Z'),
  });
}
const base = { packageHash: 'a6eeb3dd3aafc410838802130e3675527dcceadf6d2b1e817e2b97f62abf3bb6', workerId: 'org.acme.summarizer.i-1', speciesId: 'wrk.doc.summarizer' };

describe('manifest build and HMAC round trip', () => {
  it('builds pyhall fields, to the second', () => {
    const u = unsigned();
    expect(u.built_at_utc).toBe('2026-03-01T12:00:00Z');
    expect(u.trust_statement).toBe(
      'Package attested by namespace org.acme at 2026-03-01T12:00:00Z; package hash sha256:a6eeb3dd3aafc410838802130e3675527dcceadf6d2b1e817e2b97f62abf3bb6.',
    );
    expect(() => unsigned('wrk.doc.summarizer.i-1')).toThrow(expect.objectContaining({ code: 'ATTEST_NAMESPACE_INVALID' }));
    expect(() => buildManifest({ ...base, packageHash: 'sha256:ab', workerVersion: '1' })).toThrow(expect.objectContaining({ code: 'ATTEST_INPUT_INVALID' }));
  });

  it('signs and verifies; wrong secret, no secret and tampering deny', async () => {
    const m = signManifestHmac(unsigned(), 's3cret-ü');
    const bytes = utf8(serializeManifest(m));
    const ok = await verifyManifest({ ...base, manifestBytes: bytes, secret: 's3cret-ü' });
    expect(ok).toMatchObject({ ok: true, deny_code: null, signature_type: 'hmac-sha256', namespace: 'org.acme', package_hash: base.packageHash });
    expect((await verifyManifest({ ...base, manifestBytes: bytes, secret: 'other' })).deny_code).toBe('ATTEST_SIG_INVALID');
    expect((await verifyManifest({ ...base, manifestBytes: bytes, secret: null })).deny_code).toBe('ATTEST_SIGNATURE_MISSING');
    expect((await verifyManifest({ ...base, manifestBytes: bytes, secret: '' })).deny_code).toBe('ATTEST_SIGNATURE_MISSING');
    const tampered = utf8(serializeManifest({ ...m, worker_version: '2.0.1' }));
    expect((await verifyManifest({ ...base, manifestBytes: tampered, secret: 's3cret-ü' })).deny_code).toBe('ATTEST_SIG_INVALID');
    const upper = utf8(serializeManifest({ ...m, signature_hmac_sha256: m.signature_hmac_sha256.toUpperCase() }));
    expect((await verifyManifest({ ...base, manifestBytes: upper, secret: 's3cret-ü' })).deny_code).toBe('ATTEST_SIG_INVALID');
    expect(() => signManifestHmac(unsigned(), '')).toThrow(expect.objectContaining({ code: 'ATTEST_INPUT_INVALID' }));
  });

  it('the verdict never contains the secret', async () => {
    const secret = 'very-secret-value-123';
    const m = signManifestHmac(unsigned(), secret);
    for (const s of [secret, 'wrong-secret-value']) {
      const v = await verifyManifest({ ...base, manifestBytes: utf8(serializeManifest(m)), secret: s });
      expect(JSON.stringify(v)).not.toContain(secret);
      expect(JSON.stringify(v)).not.toContain('wrong-secret-value');
    }
  });
});

describe('Ed25519 namespace-key manifests', () => {
  for (const backend of ['webcrypto', 'noble'] as const) {
    it(`sign and verify (${backend}); cross-namespace, unknown kid, missing keys and tampering are refused`, async () => {
      setEd25519Backend(backend);
      try {
        const acme = await generateEd25519KeyPair();
        const acmeKey = await importEd25519PrivateJwk(exportEd25519PrivateJwk(acme, { ns: 'org.acme' }));
        const m = await signManifestEd25519(unsigned(), acmeKey);
        expect(Ed25519ManifestSchema.safeParse(m).success).toBe(true);
        const bytes = utf8(serializeManifest(m));
        const acmePub = exportEd25519PublicJwk(acme.publicKey, { ns: 'org.acme' });
        const keys = { keys: [acmePub] };

        expect(await verifyManifest({ ...base, manifestBytes: bytes, keys })).toMatchObject({
          ok: true,
          signature_type: 'ed25519',
          signing_key_id: acmePub.kid,
          trust_statement: unsigned().trust_statement,
        });
        // the same key registered for another namespace: refused
        const asEvil = { keys: [{ ...acmePub, ns: 'org.evil' }] };
        expect((await verifyManifest({ ...base, manifestBytes: bytes, keys: asEvil })).deny_code).toBe('ATTEST_KEY_NAMESPACE_MISMATCH');
        // a key with no namespace binding cannot vouch for one
        const { ns: _ns, ...unbound } = acmePub;
        expect((await verifyManifest({ ...base, manifestBytes: bytes, keys: { keys: [unbound] } })).deny_code).toBe('ATTEST_KEY_NAMESPACE_MISMATCH');
        // an org.evil key signing an org.acme worker's manifest (kid registered for org.evil)
        const evil = await generateEd25519KeyPair();
        const evilPriv = await importEd25519PrivateJwk(exportEd25519PrivateJwk(evil, { ns: 'org.evil' }));
        await expect(signManifestEd25519(unsigned(), evilPriv)).rejects.toMatchObject({ code: 'ATTEST_KEY_NAMESPACE_MISMATCH' });
        const forged = await signManifestEd25519(unsigned(), { ...evilPriv, ns: null });
        const evilKeys = { keys: [acmePub, exportEd25519PublicJwk(evil.publicKey, { ns: 'org.evil' })] };
        expect((await verifyManifest({ ...base, manifestBytes: utf8(serializeManifest(forged)), keys: evilKeys })).deny_code).toBe('ATTEST_KEY_NAMESPACE_MISMATCH');
        // evil signs but claims acme's kid: signature fails
        const claimed = { ...forged, signing_key_id: acmePub.kid! };
        expect((await verifyManifest({ ...base, manifestBytes: utf8(serializeManifest(claimed)), keys: evilKeys })).deny_code).toBe('ATTEST_SIG_INVALID');
        // unknown kid
        expect((await verifyManifest({ ...base, manifestBytes: bytes, keys: { keys: [] } })).deny_code).toBe('ATTEST_KEY_UNKNOWN');
        // no keys configured (and no HMAC): signature missing
        expect((await verifyManifest({ ...base, manifestBytes: bytes, secret: 'x' })).deny_code).toBe('ATTEST_SIGNATURE_MISSING');
        // tampered signed field
        const t = utf8(serializeManifest({ ...m, build_source: 'local' }));
        expect((await verifyManifest({ ...base, manifestBytes: t, keys })).deny_code).toBe('ATTEST_SIG_INVALID');
        // unsigned field changes do not matter (as with HMAC)
        const u = utf8(serializeManifest({ ...m, trust_statement: 'edited' }));
        expect((await verifyManifest({ ...base, manifestBytes: u, keys })).ok).toBe(true);
        // malformed signature
        const mal = utf8(serializeManifest({ ...m, signature_ed25519: 'abc' }));
        expect((await verifyManifest({ ...base, manifestBytes: mal, keys })).deny_code).toBe('ATTEST_SIGNATURE_MALFORMED');
        // identity and hash are still checked first
        expect((await verifyManifest({ ...base, workerId: 'org.acme.other.i-1', manifestBytes: bytes, keys })).deny_code).toBe('ATTEST_MANIFEST_ID_MISMATCH');
        expect((await verifyManifest({ ...base, packageHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', manifestBytes: bytes, keys })).deny_code).toBe('ATTEST_HASH_MISMATCH');
        // unusable key set input
        expect((await verifyManifest({ ...base, manifestBytes: bytes, keys: { nope: 1 } })).deny_code).toBe('ATTEST_INPUT_INVALID');
        // ...which does not matter for an HMAC manifest checked with a secret
        const hm = utf8(serializeManifest(signManifestHmac(unsigned(), 's')));
        expect((await verifyManifest({ ...base, manifestBytes: hm, secret: 's', keys: { nope: 1 } })).ok).toBe(true);
      } finally {
        setEd25519Backend('auto');
      }
    });
  }
});
