// GET /wcp/log/{tenant}/checkpoint, GET /receipts/{id}/proof and GET /wcp/log/{tenant}/consistency
// against the real worker in workerd: every answer is checked with the SDK's own verifiers
// (verifyCheckpoint against the Hall's JWKS, verifyInclusion, verifyConsistency), shapes are the
// v0.2 contract's exactly, and every refusal has its status and code.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyRoot, fromBase64Std, merkleRoot, parseCheckpoint, toBase64Std, verifyCheckpoint, verifyConsistency, verifyInclusion } from '../../src/log/index.js';
import { fromHex } from '../../src/util/bytes.js';
import worker from '../../worker/index.js';
import { ADMIN, addTenant, call, json, routeInput, seedKv } from '../worker/helpers.js';

const TENANT = `log-${crypto.randomUUID().slice(0, 8)}`;
const TOKEN = `tok-${TENANT}-0123456789abcdef0123`;
const OTHER = `log-other-${crypto.randomUUID().slice(0, 8)}`;
const OTHER_TOKEN = `tok-${OTHER}-0123456789abcdef0123`;
const ORIGIN = `edgehall/log/${TENANT}`;

type Receipt = { receipt_id: string; seq: number; receipt_hash: string; tenant_id: string; shard?: number };
let jwks: unknown;

async function route(tenant: string, token: string): Promise<Receipt> {
  const res = await call('/route', { method: 'POST', token, json: routeInput({ tenant_id: tenant }) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json<{ receipt: Receipt }>(res)).receipt;
}

async function checkpoint(tenant = TENANT, token = TOKEN): Promise<string> {
  const res = await call(`/wcp/log/${tenant}/checkpoint`, { token });
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-store');
  return res.text();
}

async function chain(tenant = TENANT): Promise<Receipt[]> {
  return (await json<{ receipts: Receipt[] }>(await call(`/receipts?tenant_id=${tenant}&limit=1000`, { token: ADMIN }))).receipts;
}

async function problem(res: Response, status: number, code: string): Promise<void> {
  expect(res.status, await res.clone().text()).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect((await json(res)).code).toBe(code);
}

beforeAll(async () => {
  await seedKv();
  await addTenant(TENANT, TOKEN);
  await addTenant(OTHER, OTHER_TOKEN);
  jwks = await json(await call('/.well-known/wcp-keys.json'));
});

describe('GET /wcp/log/{tenant}/checkpoint', () => {
  it('an empty log has a signed checkpoint of size 0 and the empty root', async () => {
    const note = await checkpoint();
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual([ORIGIN, '0', toBase64Std(emptyRoot()), '']);
    expect(lines[4]).toMatch(new RegExp(`^\u2014 ${ORIGIN.replace(/\./g, '\\.')} [A-Za-z0-9+/]{91}=$`));
    expect(lines).toHaveLength(6);
    expect(await verifyCheckpoint(note, { jwks, origin: ORIGIN })).toMatchObject({ ok: true, tree_size: 0 });
  });

  it('tracks the log as it grows: size = receipts, root = the Merkle root of their receipt_hash bytes', async () => {
    for (let n = 1; n <= 5; n++) {
      await route(TENANT, TOKEN);
      const note = await checkpoint();
      const v = await verifyCheckpoint(note, { jwks, origin: ORIGIN });
      expect(v).toMatchObject({ ok: true, origin: ORIGIN, tree_size: n });
      const leaves = (await chain()).map((r) => fromHex(r.receipt_hash));
      expect(leaves).toHaveLength(n);
      expect(v.root_hash).toBe(toBase64Std(merkleRoot(leaves)));
    }
  });

  it('is signed by the key the JWKS lists, under the origin as key name; one size, one note', async () => {
    const a = await checkpoint();
    expect(await checkpoint()).toBe(a);
    expect(await checkpoint(TENANT, ADMIN)).toBe(a);
    const keys = (jwks as { keys: { x: string }[] }).keys;
    const cp = parseCheckpoint(a);
    expect(cp.ok && cp.signatures.map((s) => s.key_name)).toEqual([ORIGIN]);
    // Not by any other key, and not for another origin.
    expect((await verifyCheckpoint(a, { jwks: { keys: [] } })).ok).toBe(false);
    expect((await verifyCheckpoint(a, { jwks, origin: `edgehall/log/${OTHER}` })).code).toBe('LOG_CHECKPOINT_ORIGIN_MISMATCH');
    expect(keys.length).toBeGreaterThan(0);
  });

  it('names HALL_LOG_NAME in the origin when it is set, and refuses a malformed one', async () => {
    const get = async (name: string) => {
      const ctx = createExecutionContext();
      const req = new Request(`http://hall.test/wcp/log/${TENANT}/checkpoint`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const res = await worker.fetch(req as never, { ...env, HALL_LOG_NAME: name }, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    const note = await (await get('hall.example.com')).text();
    expect(note.split('\n')[0]).toBe(`hall.example.com/log/${TENANT}`);
    expect((await verifyCheckpoint(note, { jwks, origin: `hall.example.com/log/${TENANT}` })).ok).toBe(true);
    await problem(await get('hall example'), 503, 'HALL_LOG_NAME_INVALID');
    await problem(await get('hall+x'), 503, 'HALL_LOG_NAME_INVALID');
  });

  it('is for the tenant itself or the admin', async () => {
    await problem(await call(`/wcp/log/${TENANT}/checkpoint`), 401, 'AUTH_REQUIRED');
    await problem(await call(`/wcp/log/${TENANT}/checkpoint`, { token: OTHER_TOKEN }), 403, 'TENANT_FORBIDDEN');
    await problem(await call(`/wcp/log/${TENANT}/checkpoint`, { token: 'not-a-token' }), 401, 'AUTH_INVALID');
    expect((await call(`/wcp/log/${OTHER}/checkpoint`, { token: OTHER_TOKEN })).status).toBe(200);
  });
});

describe('GET /receipts/{receipt_id}/proof', () => {
  it('proves every receipt included in the current checkpoint, in the contract shape', async () => {
    const receipts = await chain();
    const note = await checkpoint();
    const cp = await verifyCheckpoint(note, { jwks, origin: ORIGIN });
    for (const r of receipts) {
      const res = await call(`/receipts/${r.receipt_id}/proof`, { token: TOKEN });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = await json(res);
      expect(Object.keys(body).sort()).toEqual(['checkpoint', 'hashes', 'leaf_index', 'receipt_id', 'tree_size']);
      expect(body).toMatchObject({ receipt_id: r.receipt_id, leaf_index: r.seq - 1, tree_size: receipts.length, checkpoint: note });
      expect(verifyInclusion(r.receipt_hash, body.leaf_index, body.tree_size, body.hashes, cp.root_hash!)).toEqual({ ok: true });
      // The leaf is this receipt's hash at this index, nothing else.
      const other = receipts.find((x) => x.seq !== r.seq)!;
      expect(verifyInclusion(other.receipt_hash, body.leaf_index, body.tree_size, body.hashes, cp.root_hash!).ok).toBe(false);
    }
  });

  it('the admin gets the same proof; ?tree_size= pins an older tree (checkpoint null)', async () => {
    const [first, second] = await chain();
    const mine = await json(await call(`/receipts/${second!.receipt_id}/proof`, { token: TOKEN }));
    expect(await json(await call(`/receipts/${second!.receipt_id}/proof`, { token: ADMIN }))).toEqual(mine);
    const leaves = (await chain()).map((r) => fromHex(r.receipt_hash));
    for (let size = 2; size <= leaves.length; size++) {
      const body = await json(await call(`/receipts/${second!.receipt_id}/proof?tree_size=${size}`, { token: TOKEN }));
      expect(body.tree_size).toBe(size);
      expect(body.checkpoint).toBe(size === leaves.length ? mine.checkpoint : null);
      expect(verifyInclusion(second!.receipt_hash, 1, size, body.hashes, merkleRoot(leaves, size)).ok).toBe(true);
    }
    const one = await json(await call(`/receipts/${first!.receipt_id}/proof?tree_size=1`, { token: TOKEN }));
    expect(one).toMatchObject({ leaf_index: 0, tree_size: 1, hashes: [], checkpoint: null });
  });

  it('refuses what does not exist or is not the caller’s', async () => {
    const [r] = await chain();
    const path = `/receipts/${r!.receipt_id}/proof`;
    await problem(await call(path), 401, 'AUTH_REQUIRED');
    await problem(await call(path, { token: OTHER_TOKEN }), 404, 'RECEIPT_NOT_FOUND');
    await problem(await call(`/receipts/${crypto.randomUUID()}/proof`, { token: TOKEN }), 404, 'RECEIPT_NOT_FOUND');
    await problem(await call(`/receipts/${crypto.randomUUID()}/proof`, { token: ADMIN }), 404, 'RECEIPT_NOT_FOUND');
    await problem(await call(`/receipts/${'x'.repeat(300)}/proof`, { token: TOKEN }), 404, 'RECEIPT_NOT_FOUND');
    const size = (await chain()).length;
    await problem(await call(`${path}?tree_size=${size + 1}`, { token: TOKEN }), 400, 'LOG_RANGE_INVALID');
    const [, second] = await chain();
    await problem(await call(`/receipts/${second!.receipt_id}/proof?tree_size=1`, { token: TOKEN }), 400, 'LOG_RANGE_INVALID');
    await problem(await call(`${path}?tree_size=0`, { token: TOKEN }), 400, 'INVALID_QUERY');
    await problem(await call(`${path}?tree_size=abc`, { token: TOKEN }), 400, 'INVALID_QUERY');
    await problem(await call(`${path}?size=1`, { token: TOKEN }), 400, 'INVALID_QUERY');
  });
});

describe('GET /wcp/log/{tenant}/consistency', () => {
  it('proves every older size consistent with the current checkpoint, in the contract shape', async () => {
    const note = await checkpoint();
    const cp = await verifyCheckpoint(note, { jwks, origin: ORIGIN });
    const leaves = (await chain()).map((r) => fromHex(r.receipt_hash));
    for (let m = 1; m <= cp.tree_size!; m++) {
      const res = await call(`/wcp/log/${TENANT}/consistency?from=${m}`, { token: TOKEN });
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(Object.keys(body).sort()).toEqual(['checkpoint', 'from', 'hashes', 'to']);
      expect(body).toMatchObject({ from: m, to: cp.tree_size, checkpoint: note });
      expect(verifyConsistency(m, body.to, merkleRoot(leaves, m), cp.root_hash!, body.hashes)).toEqual({ ok: true });
    }
  });

  it('checkpoints taken as the log grows are each consistent with the next', async () => {
    let previous = await verifyCheckpoint(await checkpoint(), { jwks, origin: ORIGIN });
    for (let i = 0; i < 4; i++) {
      await route(TENANT, TOKEN);
      const body = await json(await call(`/wcp/log/${TENANT}/consistency?from=${previous.tree_size}`, { token: TOKEN }));
      const next = await verifyCheckpoint(body.checkpoint, { jwks, origin: ORIGIN });
      expect(next.tree_size).toBe(previous.tree_size! + 1);
      expect(verifyConsistency(previous.tree_size!, next.tree_size!, previous.root_hash!, next.root_hash!, body.hashes)).toEqual({ ok: true });
      previous = next;
    }
  });

  it('?to= pins an older newer size (checkpoint null); from = to is an empty proof', async () => {
    const leaves = (await chain()).map((r) => fromHex(r.receipt_hash));
    const body = await json(await call(`/wcp/log/${TENANT}/consistency?from=2&to=4`, { token: ADMIN }));
    expect(body).toMatchObject({ from: 2, to: 4, checkpoint: null });
    expect(verifyConsistency(2, 4, merkleRoot(leaves, 2), merkleRoot(leaves, 4), body.hashes).ok).toBe(true);
    expect(await json(await call(`/wcp/log/${TENANT}/consistency?from=3&to=3`, { token: TOKEN }))).toMatchObject({ from: 3, to: 3, hashes: [] });
  });

  it('refuses sizes the log does not hold, malformed queries and other tokens', async () => {
    const n = (await chain()).length;
    const path = `/wcp/log/${TENANT}/consistency`;
    await problem(await call(`${path}?from=${n + 1}`, { token: TOKEN }), 400, 'LOG_RANGE_INVALID');
    await problem(await call(`${path}?from=1&to=${n + 1}`, { token: TOKEN }), 400, 'LOG_RANGE_INVALID');
    await problem(await call(`${path}?from=3&to=2`, { token: TOKEN }), 400, 'LOG_RANGE_INVALID');
    await problem(await call(`${path}?from=0`, { token: TOKEN }), 400, 'INVALID_QUERY');
    await problem(await call(path, { token: TOKEN }), 400, 'INVALID_QUERY');
    await problem(await call(`${path}?from=1&extra=1`, { token: TOKEN }), 400, 'INVALID_QUERY');
    await problem(await call(`${path}?from=1&from=2`, { token: TOKEN }), 400, 'INVALID_QUERY');
    await problem(await call(`${path}?from=1.5`, { token: TOKEN }), 400, 'INVALID_QUERY');
    await problem(await call(`${path}?from=1`, { token: OTHER_TOKEN }), 403, 'TENANT_FORBIDDEN');
    await problem(await call(`${path}?from=1`), 401, 'AUTH_REQUIRED');
  });

  it('a hash in the answer is padded standard base64 of 32 bytes', async () => {
    const body = await json(await call(`/wcp/log/${TENANT}/consistency?from=3`, { token: TOKEN }));
    expect(body.hashes.length).toBeGreaterThan(0);
    for (const h of body.hashes as string[]) expect(fromBase64Std(h)).toHaveLength(32);
  });
});

describe('a sharded tenant', () => {
  it('each shard is its own log: its own origin, checkpoint, inclusion and consistency proofs', async () => {
    const tenant = `shard-${crypto.randomUUID().slice(0, 8)}`;
    const token = `tok-${tenant}-0123456789abcdef0123`;
    await addTenant(tenant, token);
    const put = await call(`/admin/tenants/${tenant}`, { method: 'PUT', token: ADMIN, json: { token, shards: 2 } });
    expect(put.status, await put.clone().text()).toBe(200);
    const receipts: (Receipt & { shard?: number })[] = [];
    for (let i = 0; receipts.filter((r) => r.shard === 1).length < 2 || receipts.filter((r) => r.shard === 0).length < 2; i++) {
      expect(i).toBeLessThan(60);
      receipts.push(await route(tenant, token));
    }
    for (const k of [0, 1]) {
      const origin = k === 0 ? `edgehall/log/${tenant}` : `edgehall/log/${tenant}/shard/${k}`;
      const mine = receipts.filter((r) => (r.shard ?? 0) === k);
      const res = await call(`/wcp/log/${tenant}/checkpoint?shard=${k}`, { token });
      const cp = await verifyCheckpoint(await res.text(), { jwks, origin });
      expect(cp).toMatchObject({ ok: true, tree_size: mine.length });
      for (const r of mine) {
        const proof = await json(await call(`/receipts/${r.receipt_id}/proof`, { token }));
        expect(proof).toMatchObject({ leaf_index: r.seq - 1, tree_size: mine.length });
        expect((await verifyCheckpoint(proof.checkpoint, { jwks, origin })).root_hash).toBe(cp.root_hash);
        expect(verifyInclusion(r.receipt_hash, r.seq - 1, mine.length, proof.hashes, cp.root_hash!).ok).toBe(true);
      }
      const c = await json(await call(`/wcp/log/${tenant}/consistency?from=1&shard=${k}`, { token }));
      expect(c.checkpoint).toBe(await (await call(`/wcp/log/${tenant}/checkpoint?shard=${k}`, { token })).text());
      expect(verifyConsistency(1, mine.length, merkleRoot([fromHex(mine[0]!.receipt_hash)]), cp.root_hash!, c.hashes)).toEqual({ ok: true });
    }
    // A receipt the D1 index does not hold (yet) is found in the tenant's own logs.
    const late = receipts.find((r) => r.shard === 1)!;
    await env.HALL_DB.prepare('DELETE FROM shard_receipts WHERE receipt_id = ?1').bind(late.receipt_id).run();
    await env.HALL_DB.prepare('DELETE FROM receipts WHERE receipt_id = ?1').bind(late.receipt_id).run();
    expect(await json(await call(`/receipts/${late.receipt_id}/proof`, { token }))).toMatchObject({ receipt_id: late.receipt_id, leaf_index: late.seq - 1 });
    // Shard 0's checkpoint is not shard 1's.
    const zero = await (await call(`/wcp/log/${tenant}/checkpoint`, { token })).text();
    expect((await verifyCheckpoint(zero, { jwks, origin: `edgehall/log/${tenant}/shard/1` })).code).toBe('LOG_CHECKPOINT_ORIGIN_MISMATCH');
    await problem(await call(`/wcp/log/${tenant}/checkpoint?shard=16`, { token }), 400, 'INVALID_QUERY');
    await problem(await call(`/wcp/log/${tenant}/checkpoint?shard=-1`, { token }), 400, 'INVALID_QUERY');
  });
});
