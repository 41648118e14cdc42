// The interim log reader over D1 (worker/transparency/d1-log-reader.ts, used while the Hall has no
// HALL_LOG Durable Object binding): its isolate cache never hides what D1 holds — a truncated or
// rewritten receipts table shows in the next checkpoint, and the consistency proof from a checkpoint
// taken before no longer verifies — and it serves logs up to D1_LOG_MAX_LEAVES, refusing larger
// ones with 503 LOG_TOO_LARGE rather than spending unbounded time.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { merkleRoot, toBase64Std, verifyCheckpoint, verifyConsistency } from '../../src/log/index.js';
import { fromHex } from '../../src/util/bytes.js';
import worker from '../../worker/index.js';
import { D1_LOG_MAX_LEAVES } from '../../worker/transparency/d1-log-reader.js';
import { ADMIN, HALL, addTenant, call, json, seedKv } from '../worker/helpers.js';

let jwks: unknown;

beforeAll(async () => {
  await seedKv();
  jwks = await json(await call('/.well-known/wcp-keys.json'));
});

/** A request to a Hall without the HALL_LOG binding (the reader this file tests). */
async function d1Hall(path: string, token = ADMIN): Promise<Response> {
  const ctx = createExecutionContext();
  const { HALL_LOG: _log, ...withoutLog } = env as typeof env & { HALL_LOG?: unknown };
  const res = await worker.fetch(new Request(HALL + path, { headers: { authorization: `Bearer ${token}` } }) as never, withoutLog, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function newTenant(prefix: string): Promise<{ tenant: string; token: string; origin: string }> {
  const tenant = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  const token = `tok-${tenant}-0123456789abcdef0123`;
  await addTenant(tenant, token);
  return { tenant, token, origin: `edgehall/log/${tenant}` };
}

/**
 * Appends linked rows seq from+1 … to straight into D1 (as the v0.1 chain writer left them); the
 * receipt_hash of seq s is s plus `salt` as 64 hex digits, so another salt rewrites the chain.
 */
async function fill(tenant: string, from: number, to: number, salt = 0): Promise<void> {
  await env.HALL_DB.prepare(
    `WITH RECURSIVE s(seq) AS (SELECT CAST(?2 AS INTEGER) + 1 UNION ALL SELECT seq + 1 FROM s WHERE seq < ?3)
     INSERT INTO receipts (receipt_id, tenant_id, seq, prev_receipt_hash, receipt_hash, decision_id, signing_key_id, created_at, receipt_json)
     SELECT ?1 || '-' || ?4 || '-' || seq, ?1, seq, CASE WHEN seq = 1 THEN NULL ELSE printf('%064x', seq - 1 + ?4) END, printf('%064x', seq + ?4), 'dec-' || seq, 'k', '2026-01-01T00:00:00.000Z',
            json_object('receipt_id', ?1 || '-' || ?4 || '-' || seq, 'tenant_id', ?1, 'seq', seq, 'receipt_hash', printf('%064x', seq + ?4))
     FROM s ORDER BY seq`,
  )
    .bind(tenant, from, to, String(salt))
    .run();
}
const leafOf = (seq: number, salt = 0) => fromHex((seq + salt).toString(16).padStart(64, '0'));

async function signedHead(tenant: string, origin: string) {
  const res = await d1Hall(`/wcp/log/${tenant}/checkpoint`);
  expect(res.status, await res.clone().text()).toBe(200);
  const v = await verifyCheckpoint(await res.text(), { jwks, origin });
  expect(v.ok).toBe(true);
  return v as { tree_size: number; root_hash: string };
}

describe('the D1 interim reader follows D1, not its cache', () => {
  it('a truncated log shows as a smaller tree; a rewritten one fails consistency with the old checkpoint', async () => {
    const { tenant, token, origin } = await newTenant('cut');
    await fill(tenant, 0, 4);
    const before = await signedHead(tenant, origin);
    expect(before).toMatchObject({ tree_size: 4, root_hash: toBase64Std(merkleRoot([1, 2, 3, 4].map((s) => leafOf(s)))) });

    // Someone with database access cuts the chain after seq 2…
    await env.HALL_DB.prepare('DELETE FROM receipts WHERE tenant_id = ?1 AND seq > 2').bind(tenant).run();
    const cut = await signedHead(tenant, origin);
    expect(cut.tree_size).toBe(2);
    const refused = await d1Hall(`/wcp/log/${tenant}/consistency?from=4`, token);
    expect(refused.status).toBe(400);
    expect((await json(refused)).code).toBe('LOG_RANGE_INVALID');

    // …then rewrites it from seq 1, one receipt longer than before: the same name, not the same log.
    await env.HALL_DB.prepare('DELETE FROM receipts WHERE tenant_id = ?1').bind(tenant).run();
    await fill(tenant, 0, 5, 7);
    const body = await json(await d1Hall(`/wcp/log/${tenant}/consistency?from=4`, token));
    const after = await verifyCheckpoint(body.checkpoint, { jwks, origin });
    expect(after.tree_size).toBe(5);
    expect(verifyConsistency(4, 5, before.root_hash, after.root_hash!, body.hashes).code).toBe('LOG_CONSISTENCY_INVALID');
    // The Hall's answers stay coherent with what D1 now holds.
    expect(after.root_hash).toBe(toBase64Std(merkleRoot([1, 2, 3, 4, 5].map((s) => leafOf(s, 7)))));
    expect(verifyConsistency(4, 5, toBase64Std(merkleRoot([1, 2, 3, 4].map((s) => leafOf(s, 7)))), after.root_hash!, body.hashes).ok).toBe(true);
  });
});

describe('bounded cost over D1', () => {
  it(`serves a log of exactly ${D1_LOG_MAX_LEAVES} receipts and refuses one more with 503 LOG_TOO_LARGE`, async () => {
    const { tenant, origin } = await newTenant('big');
    await fill(tenant, 0, D1_LOG_MAX_LEAVES);
    const head = await signedHead(tenant, origin);
    expect(head.tree_size).toBe(D1_LOG_MAX_LEAVES);
    const leaves = Array.from({ length: D1_LOG_MAX_LEAVES }, (_, i) => leafOf(i + 1));
    expect(head.root_hash).toBe(toBase64Std(merkleRoot(leaves)));
    const proof = await json(await d1Hall(`/receipts/${tenant}-0-${D1_LOG_MAX_LEAVES}/proof`));
    expect(proof).toMatchObject({ leaf_index: D1_LOG_MAX_LEAVES - 1, tree_size: D1_LOG_MAX_LEAVES });

    await fill(tenant, D1_LOG_MAX_LEAVES, D1_LOG_MAX_LEAVES + 1);
    for (const path of [`/wcp/log/${tenant}/checkpoint`, `/wcp/log/${tenant}/consistency?from=1`, `/receipts/${tenant}-0-1/proof`]) {
      const res = await d1Hall(path);
      expect(res.status, path).toBe(503);
      expect((await json(res)).code).toBe('LOG_TOO_LARGE');
    }
  });
});
