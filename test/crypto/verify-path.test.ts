// The verify path (receipts, chains, manifests) runs on WebCrypto alone, stays within the browser
// budget, and fails closed with a named code where the runtime cannot verify.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  enableNobleEd25519,
  exportEd25519PublicJwk,
  generateEd25519KeyPair,
  registerEd25519Fallback,
  setEd25519Backend,
} from '../../src/crypto/index.js';
import { buildReceipt, hashReceipt, hashReceiptAsync, signReceipt, verifyChain, verifyReceipt } from '../../src/receipts/index.js';
import { buildManifest, serializeManifestBytes, signManifestEd25519, verifyManifest } from '../../src/attest/manifest/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

afterEach(() => {
  setEd25519Backend('auto');
  enableNobleEd25519();
});

describe('verify path', () => {
  it('hashReceiptAsync (WebCrypto) equals hashReceipt (noble)', async () => {
    const pair = await generateEd25519KeyPair();
    const r = await signReceipt(
      buildReceipt({
        tenant_id: 't-ü', seq: 1, prev_receipt_hash: null, decision_id: 'd', correlation_id: 'c', worker_id: null,
        worker_species_id: null, capability_id: 'cap.doc.summarize', policy_decision: 'DENY', deny_code: 'DENY_X',
        controls_verified: [], artifact_hash: null, rules_version: '', approval_id: null, signing_key_id: 'k', dry_run: false,
      }),
      pair.seed,
    );
    expect(await hashReceiptAsync(r)).toBe(hashReceipt(r));
    expect(r.receipt_hash).toBe(hashReceipt(r));
  });

  it('without WebCrypto Ed25519 and without a fallback, verification is refused with a named code', async () => {
    const pair = await generateEd25519KeyPair();
    const jwk = exportEd25519PublicJwk(pair.publicKey, { ns: 'org.acme' });
    const r = await signReceipt(
      buildReceipt({
        tenant_id: 't', seq: 1, prev_receipt_hash: null, decision_id: 'd', correlation_id: 'c', worker_id: null,
        worker_species_id: null, capability_id: 'cap.x', policy_decision: 'ALLOW', deny_code: null,
        controls_verified: [], artifact_hash: null, rules_version: 'v', approval_id: null, signing_key_id: jwk.kid!, dry_run: false,
      }),
      pair.seed,
    );
    const m = await signManifestEd25519(
      buildManifest({ packageHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', workerId: 'org.acme.w.i-1', speciesId: 'wrk.x.y', workerVersion: '1' }),
      { seed: pair.seed, kid: jwk.kid!, ns: 'org.acme' },
    );
    const mopts = { manifestBytes: serializeManifestBytes(m), packageHash: m.package_hash, workerId: m.worker_id, speciesId: m.worker_species_id, keys: { keys: [jwk] } };
    setEd25519Backend('noble'); // as on a runtime without WebCrypto Ed25519
    registerEd25519Fallback(null);
    expect((await verifyReceipt(r, { keys: [jwk] })).code).toBe('RECEIPT_CRYPTO_UNAVAILABLE');
    expect((await verifyChain([r], { keys: [jwk] })).code).toBe('RECEIPT_CRYPTO_UNAVAILABLE');
    expect((await verifyManifest(mopts)).deny_code).toBe('ATTEST_CRYPTO_UNAVAILABLE');
    enableNobleEd25519();
    expect(await verifyReceipt(r, { keys: [jwk] })).toEqual({ ok: true });
    expect((await verifyManifest(mopts)).ok).toBe(true);
  });

  it('the verify modules bundle for the browser within 12 KB gzip, without a second Ed25519 or zod', async () => {
    const entry = `
      export { verifyReceipt, verifyChain } from './src/receipts/verify.ts';
      export { hashReceiptAsync, receiptShapeProblems } from './src/receipts/core.ts';
      export { verifyManifest } from './src/attest/manifest/verify.ts';
      export { readJwksAsync } from './src/crypto/jwk-core.ts';`;
    const out = await build({
      stdin: { contents: entry, resolveDir: ROOT, loader: 'ts' },
      bundle: true, write: false, minify: true, format: 'esm', platform: 'browser', metafile: true, logLevel: 'silent',
    });
    const inputs = Object.values(out.metafile.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, v]) => v.bytesInOutput > 0).map(([k]) => k));
    expect(inputs.filter((p) => /@noble\/ed25519|zod|node_modules\/@noble\/hashes/.test(p))).toEqual([]);
    const gz = gzipSync(out.outputFiles[0]!.contents, { level: 9 }).length;
    console.log(`verify path (WebCrypto only): ${out.outputFiles[0]!.contents.length} B min, ${gz} B gzip`);
    expect(gz).toBeLessThanOrEqual(12 * 1024);
  });
});
