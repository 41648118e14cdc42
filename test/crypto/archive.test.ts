// verifyArchive: one pass over the vector archives (.tar and .tgz), with the manifest inside the
// archive (as pyhall reads D/manifest.json) or supplied separately; tar rejections deny with TAR_*.
import { describe, expect, it } from 'vitest';
import { verifyArchive } from '../../src/attest/index.js';
import { buildManifest, serializeManifestBytes, signManifestEd25519, signManifestHmac } from '../../src/attest/manifest/index.js';
import { exportEd25519PublicJwk, generateEd25519KeyPair } from '../../src/crypto/index.js';
import { manifestCases, raisesCode, vectorBytes } from './helpers.js';
import { file } from '../support/tar.js';
import { appendToTar, gzip } from './tar-util.js';

const cases = manifestCases();

function expectVerdict(v: Awaited<ReturnType<typeof verifyArchive>>, c: (typeof cases)[number]) {
  const ev = c.expected_verify;
  expect(v.ok).toBe(ev.ok);
  expect(v.deny_code).toBe(ev.reference_raises ? raisesCode(c) : ev.deny_code);
  expect(v.package_hash).toBe(c.expected.package_hash);
  if (ev.ok) expect(v.trust_statement).toBe(ev.trust_statement);
}

describe('verifyArchive over the manifest vectors', () => {
  for (const c of cases) {
    it(`${c.name}: manifest inside the .tar and the .tgz`, async () => {
      const tar = vectorBytes(c.tar!);
      const withManifest = c.manifest ? appendToTar(tar, [{ name: 'manifest.json', body: vectorBytes(c.manifest) }]) : tar;
      for (const archive of [withManifest, gzip(withManifest)]) {
        const v = await verifyArchive(archive, { workerId: c.worker_id, speciesId: c.worker_species_id, secret: c.secret });
        expectVerdict(v, c);
        expect(v.manifest_source).toBe(c.manifest ? 'archive' : 'none');
        if (c.manifest) expect(v.excluded_entries).toContain('manifest.json');
      }
    });
    it(`${c.name}: manifest supplied separately, archive as a stream`, async () => {
      const tgz = vectorBytes(c.tgz!);
      // Cast: TS 5.9's lib wants ArrayBuffer-backed views; these bytes are never on a SharedArrayBuffer.
      const stream = new Blob([tgz as Uint8Array<ArrayBuffer>]).stream();
      const v = await verifyArchive(stream, {
        workerId: c.worker_id,
        speciesId: c.worker_species_id,
        secret: c.secret,
        manifest: c.manifest ? vectorBytes(c.manifest) : null,
      });
      expectVerdict(v, c);
    });
  }

  it('an external manifest overrides the one in the archive', async () => {
    const c = cases.find((x) => x.name === 'neg-tampered-build-source')!;
    const tar = appendToTar(vectorBytes(c.tar!), [{ name: 'manifest.json', body: vectorBytes(c.manifest!) }]);
    const v = await verifyArchive(tar, { workerId: c.worker_id, speciesId: c.worker_species_id, secret: c.secret });
    expect(v.deny_code).toBe('ATTEST_SIG_INVALID');
    // the same archive with a good manifest passed separately verifies
    const fixed = JSON.parse(new TextDecoder().decode(vectorBytes(c.manifest!)));
    fixed.build_source = 'ci';
    const v2 = await verifyArchive(tar, { workerId: c.worker_id, speciesId: c.worker_species_id, secret: c.secret, manifest: new TextEncoder().encode(JSON.stringify(fixed)) });
    expect(v2).toMatchObject({ ok: true, manifest_source: 'external' });
  });

  it('a tar rejection is a denial with the TAR_* code', async () => {
    const c = cases[0]!;
    const evil = appendToTar(vectorBytes(c.tar!), [{ name: '../escape.txt', body: new Uint8Array([1]) }]);
    const v = await verifyArchive(evil, { workerId: c.worker_id, speciesId: c.worker_species_id, secret: c.secret, manifest: vectorBytes(c.manifest!) });
    expect(v).toMatchObject({ ok: false, deny_code: 'TAR_PATH_TRAVERSAL' });
    expect(v.message).toMatch(/\S/);
    const truncated = vectorBytes(c.tar!).subarray(0, 700);
    expect((await verifyArchive(truncated, { workerId: c.worker_id, speciesId: c.worker_species_id })).deny_code).toMatch(/^TAR_/);
    const broken = new ReadableStream<Uint8Array>({ pull(ctl) { ctl.error(new Error('connection reset')); } });
    // a failing source is still a coded denial (the reader reports it as a truncated upload)
    expect((await verifyArchive(broken, { workerId: c.worker_id, speciesId: c.worker_species_id })).deny_code).toMatch(/^(TAR_|ATTEST_SOURCE_UNREADABLE)/);
  });

  it('sign then verify an archive with HMAC and with an Ed25519 namespace key', async () => {
    const files = [file('code/app.py', new TextEncoder().encode('print(1)\n')), file('requirements.lock', new Uint8Array(0))];
    const bare = new Uint8Array([...files[0]!, ...files[1]!, ...new Uint8Array(1024)]);
    const first = await verifyArchive(bare, { workerId: 'x.alice.tool.i-1', speciesId: 'wrk.doc.summarizer' });
    expect(first.deny_code).toBe('ATTEST_MANIFEST_MISSING');
    const unsigned = buildManifest({ packageHash: first.package_hash!, workerId: 'x.alice.tool.i-1', speciesId: 'wrk.doc.summarizer', workerVersion: '1.2.3' });
    const hm = serializeManifestBytes(signManifestHmac(unsigned, 'k'));
    const withHmac = appendToTar(bare, [{ name: 'manifest.json', body: hm }]);
    expect(await verifyArchive(withHmac, { workerId: 'x.alice.tool.i-1', speciesId: 'wrk.doc.summarizer', secret: 'k' })).toMatchObject({ ok: true, signature_type: 'hmac-sha256' });
    const pair = await generateEd25519KeyPair();
    const pub = exportEd25519PublicJwk(pair.publicKey, { ns: 'x.alice' });
    const em = serializeManifestBytes(await signManifestEd25519(unsigned, { seed: pair.seed, kid: pub.kid!, ns: 'x.alice' }));
    const withEd = gzip(appendToTar(bare, [{ name: 'manifest.json', body: em }]));
    expect(await verifyArchive(withEd, { workerId: 'x.alice.tool.i-1', speciesId: 'wrk.doc.summarizer', keys: { keys: [pub] } })).toMatchObject({ ok: true, signature_type: 'ed25519', namespace: 'x.alice' });
    expect((await verifyArchive(withEd, { workerId: 'x.alice.tool.i-1', speciesId: 'wrk.doc.summarizer', keys: { keys: [{ ...pub, ns: 'x.bob' }] } })).deny_code).toBe('ATTEST_KEY_NAMESPACE_MISMATCH');
  });
});
