// HallClient against the real Hall worker (Miniflare on loopback, local KV and D1, kv-seed loaded):
// the client's parsing, auth and receipt verification meet the API as it is actually served.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openAsBlob, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallApiError, HallClient } from '../../src/client/entry.js';
import { buildManifest, hashPackageFiles, serializeManifest, signManifestEd25519 } from '../../src/attest/index.js';
import { createEd25519Signer, exportEd25519PrivateJwk, exportEd25519PublicJwk, generateEd25519KeyPair, importEd25519PrivateJwk } from '../../src/crypto/index.js';
import { startLiveHall, type LiveHall } from './live-hall.js';

const example = (name: string) => JSON.parse(readFileSync(new URL(`../../kv-seed/examples/${name}.json`, import.meta.url), 'utf8'));

let hall: LiveHall;
let demo: HallClient;

beforeAll(async () => {
  hall = await startLiveHall();
  demo = new HallClient({ baseUrl: hall.url, token: hall.demoToken });
});
afterAll(() => hall?.close());

/** Registers Ed25519 keys for a namespace (admin API; not part of HallClient). */
async function putNamespaceKeys(ns: string, keys: Record<string, unknown>[]): Promise<void> {
  const res = await fetch(`${hall.url}/admin/namespaces/${ns}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${hall.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ keys }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** A .tgz of `files` made by the system tar (the way a developer packs a worker). */
function tgz(dir: string, name: string, files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  const out = join(dir, name);
  execFileSync('tar', ['-czf', out, '-C', dir, ...Object.keys(files)]);
  return out;
}

describe('HallClient against the live Hall', () => {
  it('reads discovery endpoints and the published key set', async () => {
    expect(await demo.health()).toMatchObject({ status: 'ok' });
    const caps = await demo.capabilities();
    expect(JSON.stringify(caps)).toContain('cap.doc.summarize');
    const workers = await demo.workers();
    expect(JSON.stringify(workers)).toContain('wrk.doc.summarizer');
    const keys = await demo.publicKeys();
    expect(keys.keys.map((k) => k['kid'])).toContain(hall.kid);
  });

  it('routes allowed and denied requests, each with a receipt verified against the Hall keys', async () => {
    const allowed = await demo.route(example('route'));
    expect(allowed.decision.denied).toBe(false);
    expect(allowed.decision.selected_worker_species_id).toBe('wrk.doc.summarizer');
    expect(allowed.receipt.decision_id).toBe(allowed.decision.decision_id);
    expect(allowed.receipt.policy_decision).toBe('ALLOW');

    const denied = await demo.route(example('route-denied'));
    expect(denied.decision.denied).toBe(true);
    expect(denied.receipt.seq).toBe(allowed.receipt.seq + 1);
    expect(denied.receipt.prev_receipt_hash).toBe(allowed.receipt.receipt_hash);
  });

  it('pages through the decision log and reads single decisions and receipts', async () => {
    for (const corr of ['a', 'b', 'c']) await demo.route({ ...example('route'), correlation_id: `live-page-${corr}` });
    const seen: string[] = [];
    for await (const d of demo.decisions({ tenant_id: 'demo', limit: 2 })) seen.push(d.decision_id);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(new Set(seen).size).toBe(seen.length);
    const one = await demo.decision(seen[0]!);
    expect(one.decision_id).toBe(seen[0]);
    const receiptId = (one as { receipt_id?: string }).receipt_id;
    expect(receiptId).toBeTruthy();
    const receipt = await demo.receipt(receiptId!);
    expect(receipt.decision_id).toBe(seen[0]);
  });

  it("verifies the tenant's whole chain and segments of it", async () => {
    const verdict = await demo.verifyChain('demo', { page_size: 2 });
    expect(verdict.ok).toBe(true);
    expect(verdict.verified).toBe(verdict.receipts.length);
    expect(verdict.receipts.map((r) => r.seq)).toEqual(verdict.receipts.map((_, i) => i + 1));
    const tail = await demo.verifyChain('demo', { after_seq: 2 });
    expect(tail).toMatchObject({ ok: true, verified: verdict.receipts.length - 2 });
    const segment = await demo.receipts({ tenant_id: 'demo', after_seq: 1, limit: 2 });
    expect(segment.map((r) => r.seq)).toEqual([2, 3]);
  });

  it("surfaces the Hall's problem codes: bad token, another tenant, invalid input", async () => {
    const stranger = new HallClient({ baseUrl: hall.url, token: 'not-a-real-token' });
    const e1 = (await stranger.route(example('route')).catch((e) => e)) as HallApiError;
    expect([e1.status, e1.code]).toEqual([401, 'AUTH_INVALID']);

    const e2 = (await demo.route({ ...example('route'), tenant_id: 'someone-else' }).catch((e) => e)) as HallApiError;
    expect(e2).toBeInstanceOf(HallApiError);
    expect(e2.status).toBe(403);

    const e3 = (await demo.route({ ...example('route'), env: 'moon' as 'dev', qos_class: 'P9' as 'P0' }).catch((e) => e)) as HallApiError;
    expect(e3.status).toBe(400);
    expect(e3.issues.map((i) => i.path.join('.')).sort()).toEqual(['env', 'qos_class']);

    const e4 = (await demo.decision('00000000-0000-4000-8000-000000000000').catch((e) => e)) as HallApiError;
    expect(e4.status).toBe(404);
  });

  it('enrolls a worker with the artifact_hash computed client-side, and surfaces tampering and namespace refusals', async () => {
    const record = {
      worker_id: 'org.demo.translator',
      worker_species_id: 'wrk.doc.translator',
      capabilities: ['cap.doc.translate'],
      currently_implements: ['ctrl.obs.audit-log-append-only'],
      risk_tier: 'low' as const,
    };
    const out = await demo.enroll(record);
    expect(out).toMatchObject({ enrolled: true, worker_id: 'org.demo.translator', artifact_hash_verified: true });

    const tampered = (await demo.enroll({ ...record, artifact_hash: `sha256:${'0'.repeat(64)}` }, { keepArtifactHash: true }).catch((e) => e)) as HallApiError;
    expect([tampered.status, tampered.code]).toEqual([400, 'DENY_WORKER_TAMPERED']);
    const foreign = (await demo.enroll({ ...record, worker_id: 'org.other.translator' }).catch((e) => e)) as HallApiError;
    expect([foreign.status, foreign.code]).toEqual([403, 'NAMESPACE_FORBIDDEN']);
    expect(JSON.stringify(await demo.workers({ capability_id: 'cap.doc.translate' }))).toContain('org.demo.translator');
  });

  it('runs the human-approval loop: pending → approved → allowed once, citing the approval', async () => {
    const request = example('route-require-human');
    const first = await demo.route(request);
    expect(first.decision.denied).toBe(true);
    expect(first.decision.deny_reason_if_denied?.code).toBe('DENY_REQUIRES_HUMAN_APPROVAL');
    const approvalId = first.decision.pending_approval_id!;
    expect(approvalId).toEqual(expect.any(String));
    expect(first.decision.supervisor_level).toEqual(expect.any(String));

    const pending = await demo.approvals.pending();
    expect(pending.map((a) => a.approval_id)).toContain(approvalId);
    const resolved = await demo.approvals.resolve(approvalId, 'approve', { token: hall.adminToken, reason: 'reviewed the document scope' });
    expect(resolved).toMatchObject({ approval_id: approvalId, status: 'approved' });
    expect(await demo.approvals.get(approvalId)).toMatchObject({ status: 'approved' });

    const again = await demo.route({ ...request, approval_id: approvalId });
    expect(again.decision.denied).toBe(false);
    expect(again.receipt.approval_id).toBe(approvalId);
    const replay = (await demo.route({ ...request, approval_id: approvalId }).catch((e) => e)) as HallApiError | Awaited<ReturnType<HallClient['route']>>;
    // Used once: a second use is refused (an error, or a denied decision — never an allow).
    if (replay instanceof HallApiError) expect(replay.status).toBeGreaterThanOrEqual(400);
    else expect(replay.decision.denied).toBe(true);
  });

  it('hashes, verifies and registers a streamed package signed with a namespace key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgehall-attest-'));
    try {
      const pair = await generateEd25519KeyPair();
      const key = await importEd25519PrivateJwk(exportEd25519PrivateJwk(pair, { kid: 'demo-release-1', ns: 'org.demo' }));
      await putNamespaceKeys('org.demo', [exportEd25519PublicJwk(pair.publicKey, { kid: 'demo-release-1', ns: 'org.demo' }) as unknown as Record<string, unknown>]);

      const files = { 'worker.py': 'def run(task):\n    return summarize(task)\n', 'requirements.txt': 'pyhall-wcp==0.3.0\n' };
      const { package_hash } = hashPackageFiles(Object.entries(files).map(([path, text]) => ({ path, bytes: new TextEncoder().encode(text) })));
      const manifest = await signManifestEd25519(
        buildManifest({ packageHash: package_hash, workerId: 'org.demo.doc-summarizer', speciesId: 'wrk.doc.summarizer', workerVersion: '1.0.0' }),
        key,
      );
      const good = tgz(dir, 'good.tgz', { ...files, 'manifest.json': serializeManifest(manifest) });
      const bad = tgz(dir, 'bad.tgz', { ...files, 'worker.py': 'import os\n', 'manifest.json': serializeManifest(manifest) });

      // A File-like Blob backed by the file on disk, and a Node stream as a web ReadableStream.
      const hashed = await demo.attest.hash(await openAsBlob(good, { type: 'application/gzip' }));
      expect(hashed['package_hash']).toBe(package_hash);
      const params = { worker_id: 'org.demo.doc-summarizer', species: 'wrk.doc.summarizer' };
      const stream = Readable.toWeb(Readable.from(readFileSync(good))) as ReadableStream<Uint8Array>;
      expect(await demo.attest.verify(stream, params, { contentType: 'application/gzip' })).toMatchObject({ ok: true, deny_code: null });
      expect(await demo.attest.verify(await openAsBlob(bad), params)).toMatchObject({ ok: false, deny_code: 'ATTEST_HASH_MISMATCH' });

      const registered = await demo.attest.register('org.demo.doc-summarizer', await openAsBlob(good));
      expect(JSON.stringify(registered)).toContain(package_hash);

      // With keys registered, an enrollment in org.demo must be signed by one of them.
      const record = { worker_id: 'org.demo.signed', worker_species_id: 'wrk.doc.signed', capabilities: ['cap.doc.sign'], currently_implements: [] };
      expect(((await demo.enroll(record).catch((e) => e)) as HallApiError).code).toBe('ENROLLMENT_SIGNATURE_REQUIRED');
      const signer = await createEd25519Signer(key.seed);
      expect(await demo.enroll(record, { signer: { kid: 'demo-release-1', sign: (m) => signer.sign(m) } })).toMatchObject({ enrolled: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

