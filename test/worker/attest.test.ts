// Attestation over HTTP: streamed hashing, manifest verification with namespace keys, registering a
// verified package, and the routing-time checks that use it (attestation, tamper, ban list).
import { createExecutionContext, env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TAR_LIMITS, buildManifest, ingestPackage, serializeManifestBytes, signManifestEd25519 } from '../../src/attest/index.js';
import { ed25519Sign, exportEd25519PublicJwk, generateEd25519KeyPair, type Ed25519KeyPair } from '../../src/crypto/index.js';
import { enrollmentStatement } from '../../src/routing/enrollment-hash.js';
import { pyJsonDumpsCompact, sha256Hex, toBase64Url, utf8 } from '../../src/util/index.js';
import { createHallWorker } from '../../worker/index.js';
import { ADMIN, DEMO, call, json, routeInput, seedKv, seedValue } from './helpers.js';
import { deepTreeArchive } from '../support/deep-tree.js';
import { entry, paxEntry, tar, tarFiles } from '../support/tar.js';

const WORKER_ID = 'org.demo.doc-summarizer';
const SPECIES = 'wrk.doc.summarizer';
const files = { 'code/worker_logic.py': 'def run(doc):\n    return doc[:100]\n', 'requirements.lock': 'ollama==0.3.0\n' };
let packageHash = '';
let signedTar: Uint8Array;
let foreignTar: Uint8Array;
let demoKey: Ed25519KeyPair;

async function signedPackage(workerId: string, species: string, seed: Uint8Array, kid: string, ns: string, body = files): Promise<Uint8Array> {
  const manifest = await signManifestEd25519(
    buildManifest({ packageHash, workerId, speciesId: species, workerVersion: '1.0.0' }),
    { seed, kid, ns },
  );
  return tarFiles({ ...body, 'manifest.json': serializeManifestBytes(manifest as unknown as Record<string, string>) });
}

const upload = (path: string, body: Uint8Array | ReadableStream, token = DEMO) =>
  call(path, { method: 'POST', token, body, headers: { 'content-type': 'application/x-tar' } });

async function setConfig(patch: Record<string, unknown>): Promise<void> {
  const res = await call('/admin/config', { method: 'PUT', token: ADMIN, json: { ...(seedValue('config') as object), ...patch } });
  expect(res.status).toBe(200);
}

async function reenrollSummarizer(codeHash: string | null): Promise<void> {
  const base = { ...(seedValue(`worker:${WORKER_ID}`) as Record<string, unknown>) };
  delete base['artifact_hash'];
  if (codeHash) base['attestation'] = { code_hash: codeHash, hash_method: 'package' };
  base['artifact_hash'] = `sha256:${sha256Hex(pyJsonDumpsCompact(base))}`;
  // org.demo has keys now, so the enrollment is signed (Ed25519 over the enrollment statement).
  const signedAt = new Date().toISOString();
  const signature = toBase64Url(await ed25519Sign(demoKey.seed, utf8(enrollmentStatement(WORKER_ID, base['artifact_hash'] as string, signedAt))));
  const res = await call('/enroll', { method: 'POST', token: DEMO, json: { ...base, signature, signing_key_id: 'demo-2026', signed_at: signedAt } });
  expect(res.status, await res.clone().text()).toBe(201);
}

beforeAll(async () => {
  await seedKv();
  packageHash = (await ingestPackage(tarFiles(files))).package_hash;
  demoKey = await generateEd25519KeyPair();
  const otherKey = await generateEd25519KeyPair();
  const jwk = exportEd25519PublicJwk(demoKey.publicKey, { kid: 'demo-2026', ns: 'org.demo' });
  const put = await call('/admin/namespaces/org.demo', { method: 'PUT', token: ADMIN, json: { keys: [jwk] } });
  expect(put.status).toBe(200);
  signedTar = await signedPackage(WORKER_ID, SPECIES, demoKey.seed, 'demo-2026', 'org.demo');
  foreignTar = await signedPackage(WORKER_ID, SPECIES, otherKey.seed, 'demo-2026', 'org.demo');
});

afterAll(async () => {
  // Leave the seed as other suites expect it.
  await env.HALL_KV.delete('ns:org.demo');
  await env.HALL_KV.delete(`attestation:${WORKER_ID}`);
  await seedKv();
});

describe('POST /attest/hash', () => {
  it('returns the canonical package hash of a streamed archive', async () => {
    const res = await upload('/attest/hash', tarFiles(files));
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.package_hash).toBe(packageHash);
    expect(body.records).toHaveLength(2);
  });
  it('refuses a corrupt archive with a TAR_* code and needs a token', async () => {
    const res = await upload('/attest/hash', new TextEncoder().encode('this is not a tar archive at all'.repeat(40)));
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect((await json(res)).code).toMatch(/^TAR_/);
    expect((await call('/attest/hash', { method: 'POST', body: tarFiles(files) })).status).toBe(401);
  });
  it('caps the upload while streaming (413), whatever Content-Length says', async () => {
    const hall = createHallWorker();
    let sent = 0;
    const big = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new Uint8Array(4096));
        // Far past the 8 KiB cap (a random early close made this test flaky).
        if (++sent === 256) c.close();
      },
    });
    const req = new Request('http://hall.test/attest/hash', { method: 'POST', body: big, headers: { authorization: `Bearer ${DEMO}` } });
    const res = await hall.fetch(req, { ...env, HALL_ATTEST_MAX_BYTES: '8192' }, createExecutionContext());
    expect(res.status).toBe(413);
    expect((await json(res)).code).toBe('BODY_TOO_LARGE');
    const declared = await call('/attest/hash', { method: 'POST', token: DEMO, body: 'x', headers: { 'content-length': String(1024 ** 3) } }).catch(() => null);
    if (declared) expect(declared.status).toBe(413);
  });
});

describe('POST /attest/verify', () => {
  it('verifies a package signed by a namespace key', async () => {
    const res = await upload(`/attest/verify?worker_id=${WORKER_ID}&species=${SPECIES}`, signedTar);
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ ok: true, deny_code: null, package_hash: packageHash, signature_type: 'ed25519' });
  });
  it('denies a package signed by another key (422 with the deny code)', async () => {
    const res = await upload(`/attest/verify?worker_id=${WORKER_ID}&species=${SPECIES}`, foreignTar);
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.ok).toBe(false);
    expect(body.deny_code).toMatch(/^ATTEST_/);
    expect(body.code).toBe(body.deny_code);
  });
  it('denies a tampered package and a wrong species', async () => {
    const tampered = await upload(`/attest/verify?worker_id=${WORKER_ID}&species=${SPECIES}`, tarFiles({ ...files, 'code/worker_logic.py': 'import os\n' }));
    expect(tampered.status).toBe(422);
    const wrongSpecies = await upload(`/attest/verify?worker_id=${WORKER_ID}&species=wrk.other.thing`, signedTar);
    expect((await json(wrongSpecies)).deny_code).toBe('ATTEST_MANIFEST_ID_MISMATCH');
  });
  it('needs worker_id and species', async () => {
    const res = await upload('/attest/verify?worker_id=x', signedTar);
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe('INVALID_QUERY');
  });
});

describe('POST /workers/:worker_id/attestation and routing-time checks', () => {
  it('refuses other namespaces and unknown workers', async () => {
    const other = await upload('/workers/org.acme.thing/attestation', signedTar);
    expect(other.status).toBe(403);
    const unknown = await upload('/workers/org.demo.not-enrolled/attestation', signedTar);
    expect(unknown.status).toBe(404);
    const bad = await upload(`/workers/${WORKER_ID}/attestation`, foreignTar);
    expect(bad.status).toBe(422);
  });

  it('registers a verified hash; require_worker_attestation then compares it with the reported hash', async () => {
    const res = await upload(`/workers/${WORKER_ID}/attestation`, signedTar);
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ registered: true, worker_species_id: SPECIES, package_hash: packageHash, signing_key_id: 'demo-2026' });

    await setConfig({ require_worker_attestation: true });
    // The worker has not reported a hash yet.
    let r = await json(await call('/route', { method: 'POST', token: DEMO, json: routeInput() }));
    expect(r.decision.deny_reason_if_denied.code).toBe('DENY_WORKER_HASH_UNAVAILABLE');

    await reenrollSummarizer(packageHash);
    r = await json(await call('/route', { method: 'POST', token: DEMO, json: routeInput() }));
    expect(r.decision.denied).toBe(false);
    expect(r.decision.worker_attestation_valid).toBe(true);

    await reenrollSummarizer('f'.repeat(64));
    r = await json(await call('/route', { method: 'POST', token: DEMO, json: routeInput() }));
    expect(r.decision.deny_reason_if_denied.code).toBe('DENY_WORKER_TAMPERED');
    expect(r.receipt.deny_code).toBe('DENY_WORKER_TAMPERED');

    await setConfig({ require_worker_attestation: false });
  });

  it('denies a banned package at routing time and refuses to register it', async () => {
    await reenrollSummarizer(packageHash);
    const ban = await call('/admin/ban-list', { method: 'POST', token: ADMIN, json: { add: [{ hash: `sha256:${packageHash}`, reason: 'backdoored dependency' }] } });
    expect(ban.status).toBe(200);
    const r = await json(await call('/route', { method: 'POST', token: DEMO, json: routeInput() }));
    expect(r.decision.denied).toBe(true);
    expect(r.decision.deny_reason_if_denied.code).toBe('DENY_WORKER_BANNED');
    const again = await upload(`/workers/${WORKER_ID}/attestation`, signedTar);
    expect((await json(again)).deny_code).toBe('ATTEST_PACKAGE_BANNED');
    const unban = await call('/admin/ban-list', { method: 'POST', token: ADMIN, json: { remove: [packageHash] } });
    expect((await json(unban)).hashes).toEqual([]);
    const ok = await json(await call('/route', { method: 'POST', token: DEMO, json: routeInput() }));
    expect(ok.decision.denied).toBe(false);
  });
});

describe('issue 8: excluded content, colliding names, corrupt namespace records, ingestion bounds', () => {
  // Files pyhall leaves out of the package hash: the signed clean manifest still matches.
  const smuggled = { 'code/__pycache__/x.pyc': 'evil bytecode', 'code/helper.pyc': 'more bytecode', 'code/manifest.json/x.py': 'import os\n' };

  async function signedOver(body: Record<string, string>): Promise<Uint8Array> {
    const hash = (await ingestPackage(tarFiles(body))).package_hash;
    const manifest = await signManifestEd25519(buildManifest({ packageHash: hash, workerId: WORKER_ID, speciesId: SPECIES, workerVersion: '1.0.0' }), { seed: demoKey.seed, kid: 'demo-2026', ns: 'org.demo' });
    return tarFiles({ ...body, 'manifest.json': serializeManifestBytes(manifest as unknown as Record<string, string>) });
  }

  it('/attest/hash keeps pyhall\'s hash for an archive with excluded entries and lists them', async () => {
    const res = await upload('/attest/hash', tarFiles({ ...files, ...smuggled }));
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.package_hash).toBe(packageHash);
    expect(body.excluded_entries).toEqual(Object.keys(smuggled));
  });

  it('/attest/verify and registration refuse a signed package that carries unhashed files (ATTEST_EXCLUDED_CONTENT)', async () => {
    const evil = await signedPackage(WORKER_ID, SPECIES, demoKey.seed, 'demo-2026', 'org.demo', { ...files, ...smuggled });
    const v = await upload(`/attest/verify?worker_id=${WORKER_ID}&species=${SPECIES}`, evil);
    expect(v.status).toBe(422);
    const vb = await json(v);
    expect(vb).toMatchObject({ ok: false, code: 'ATTEST_EXCLUDED_CONTENT', deny_code: 'ATTEST_EXCLUDED_CONTENT', package_hash: packageHash });
    expect(vb.excluded_entries).toEqual([...Object.keys(smuggled), 'manifest.json']);
    expect(vb.detail ?? vb.message).toContain('code/__pycache__/x.pyc');
    const r = await upload(`/workers/${WORKER_ID}/attestation`, evil);
    expect(r.status).toBe(422);
    expect(await json(r)).toMatchObject({ deny_code: 'ATTEST_EXCLUDED_CONTENT' });
    // the clean package still verifies
    expect((await upload(`/attest/verify?worker_id=${WORKER_ID}&species=${SPECIES}`, signedTar)).status).toBe(200);
  });

  it('/attest/verify and registration refuse names that collide under case folding or NFC (TAR_NAME_COLLISION)', async () => {
    const pairs: Record<string, string>[] = [{ 'code/A.py': '1', 'code/a.py': '2' }, { 'caf\u00e9.py': '1', 'cafe\u0301.py': '2' }];
    for (const extra of pairs) {
      const archive = await signedOver({ ...files, ...extra });
      const v = await upload(`/attest/verify?worker_id=${WORKER_ID}&species=${SPECIES}`, archive);
      expect(v.status).toBe(422);
      expect(await json(v)).toMatchObject({ ok: false, deny_code: 'TAR_NAME_COLLISION' });
      const r = await upload(`/workers/${WORKER_ID}/attestation`, archive);
      expect(r.status).toBe(422);
      expect((await json(r)).deny_code).toBe('TAR_NAME_COLLISION');
      // hashing alone keeps pyhall's hash of the distinct names
      expect((await upload('/attest/hash', tarFiles({ ...files, ...extra }))).status).toBe(200);
    }
  });

  it('a corrupt ns:<namespace> record fails closed: 503 NAMESPACE_KEYS_UNAVAILABLE, never "no keys"', async () => {
    const good = await env.HALL_KV.get('ns:org.demo');
    expect(good).not.toBeNull();
    try {
      for (const corrupt of ['{not json', '[]', '"keys"', '{"keys": "demo-2026"}', '{"keys": [{"kty": "RSA", "kid": "demo-2026"}]}', '{"keys": []}']) {
        await env.HALL_KV.put('ns:org.demo', corrupt);
        const v = await upload(`/attest/verify?worker_id=${WORKER_ID}&species=${SPECIES}`, signedTar);
        expect(v.status, corrupt).toBe(503);
        const body = await json(v);
        expect(body.code, corrupt).toBe('NAMESPACE_KEYS_UNAVAILABLE');
        expect(body.detail ?? body.message).toMatch(/PUT \/admin\/namespaces\/org\.demo/);
        const r = await upload(`/workers/${WORKER_ID}/attestation`, signedTar);
        expect(r.status, corrupt).toBe(503);
        expect((await json(r)).code).toBe('NAMESPACE_KEYS_UNAVAILABLE');
      }
    } finally {
      await env.HALL_KV.put('ns:org.demo', good!);
    }
    expect((await upload(`/attest/verify?worker_id=${WORKER_ID}&species=${SPECIES}`, signedTar)).status).toBe(200);
  });

  it('/attest/hash refuses a path deeper than maxPathDepth with TAR_LIMIT_EXCEEDED', async () => {
    const deep = Array.from({ length: DEFAULT_TAR_LIMITS.maxPathDepth + 1 }, () => 'a').join('/');
    const res = await upload('/attest/hash', tar(paxEntry({ path: deep }), entry({ name: 'x', data: 'x' })));
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.code).toBe('TAR_LIMIT_EXCEEDED');
    expect(body.details).toMatchObject({ limit: 'maxPathDepth' });
  });

  it('/attest/hash holds the sum of an upload\'s path bytes to 4 MiB (the isolate has 128 MB)', async () => {
    const { archive } = deepTreeArchive({ shape: 'shared', entries: 1100, pathBytes: 4000, segmentBytes: 31 });
    const res = await upload('/attest/hash', archive);
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.code).toBe('TAR_LIMIT_EXCEEDED');
    expect(body.details).toMatchObject({ limit: 'maxPathBytesTotal', value: 4 * 1024 * 1024 });
  });
});
