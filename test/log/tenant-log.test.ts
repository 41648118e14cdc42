// The per-tenant evidence logs (worker/log/tenant-log-object.ts) in workerd, with real SQLite-backed
// Durable Objects, D1 and KV: seq / link / signature under concurrent appends for many tenants,
// durability before the answer, the D1 index fed at least once and idempotently, its lag in
// /wcp/health, a D1 chain continued at seq N + 1, shards, and a failing object failing closed.
import { env, runInDurableObject } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEd25519Signer, importEd25519PrivateJwk } from '../../src/crypto/index.js';
import { merkleRoot, parseCheckpoint, toBase64Std, verifyCheckpoint, verifyConsistency, verifyInclusion } from '../../src/log/index.js';
import { buildReceipt, signReceipt, verifyChain, type Receipt } from '../../src/receipts/index.js';
import { fromHex } from '../../src/util/bytes.js';
import { writeIndexBatch, type IndexEntry } from '../../worker/log/evidence-index.js';
import { logObjectName, tenantLog } from '../../worker/log/tenant-log.js';
import type { TenantLogObject } from '../../worker/log/tenant-log-object.js';
import type { HallEnv } from '../../worker/env.js';
import { ADMIN, addTenant, call, json, routeInput, seedKv, settleIndex } from '../worker/helpers.js';

const tokenOf = (tenant: string) => `${tenant}-token-0123456789abcdef`;
let jwks: unknown;

beforeAll(async () => {
  await seedKv();
  jwks = await json(await call('/.well-known/wcp-keys.json'));
});

async function newTenant(prefix: string, extra: Record<string, unknown> = {}): Promise<string> {
  const tenant = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  await addTenant(tenant, tokenOf(tenant));
  if (Object.keys(extra).length) {
    const res = await call(`/admin/tenants/${tenant}`, { method: 'PUT', token: ADMIN, json: { token: tokenOf(tenant), namespaces: [], ...extra } });
    expect(res.status, await res.clone().text()).toBe(200);
  }
  return tenant;
}

const route = (tenant: string, over: Record<string, unknown> = {}) => call('/route', { method: 'POST', token: tokenOf(tenant), json: routeInput({ tenant_id: tenant, ...over }) });

function stubOf(tenant: string, shard = 0): DurableObjectStub<TenantLogObject> {
  return env.HALL_LOG.get(env.HALL_LOG.idFromName(logObjectName(tenant, shard))) as unknown as DurableObjectStub<TenantLogObject>;
}

async function chainOf(tenant: string, shard = 0): Promise<Receipt[]> {
  const page = await json(await call(`/receipts?tenant_id=${tenant}&limit=1000${shard ? `&shard=${shard}` : ''}`, { token: ADMIN }));
  return page.receipts as Receipt[];
}

async function d1Count(sql: string, ...args: unknown[]): Promise<number> {
  return (await env.HALL_DB.prepare(sql).bind(...args).first<{ n: number }>())!.n;
}

describe('concurrent appends, many tenants', () => {
  it('12 tenants x 15 concurrent calls: each chain is seq 1..15, linked, signed; no forks, no gaps; tree = chain', async () => {
    const tenants = await Promise.all(Array.from({ length: 12 }, () => newTenant('many')));
    const calls = tenants.flatMap((t) => Array.from({ length: 15 }, (_, i) => ({ t, i })));
    // Interleave tenants so every log sees its appends arrive together with others'.
    const responses = await Promise.all(calls.map(({ t, i }) => route(t, i % 5 === 0 ? { capability_id: 'cap.unknown.thing' } : {})));
    expect(responses.map((r) => r.status)).toEqual(Array(calls.length).fill(200));
    const answered = await Promise.all(responses.map((r) => json(r)));
    for (const t of tenants) {
      const mine = answered.filter((b) => b.receipt.tenant_id === t).map((b) => b.receipt as Receipt);
      expect(mine.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
      const chain = await chainOf(t);
      expect(await verifyChain(chain, jwks)).toMatchObject({ ok: true, verified: 15 });
      // What each caller was answered is exactly what the chain holds at its seq.
      for (const r of mine) expect(chain[r.seq - 1]).toEqual(r);
      // The log's tree is the RFC 9162 tree of the chain's receipt hashes.
      const head = await tenantLog(env as HallEnv, t).treeHead();
      expect(head).toEqual({ size: 15, root: toBase64Std(merkleRoot(chain.map((r) => fromHex(r.receipt_hash)))) });
      expect('shard' in chain[0]!).toBe(false);
    }
  });
});

describe('durability', () => {
  it('the answer leaves only after the receipt is stored; a restarted object still holds it and continues the chain', async () => {
    const t = await newTenant('durable');
    const first = await json(await route(t));
    // In the object's own SQLite (not a cache) as soon as the caller has the answer.
    const stored = await runInDurableObject(stubOf(t), (_obj, state) => state.storage.sql.exec('SELECT receipt_json FROM receipts WHERE seq = 1').toArray());
    expect(JSON.parse(stored[0]!['receipt_json'] as string)).toEqual(first.receipt);
    // Restart the object (its in-memory state is gone); the next instance reads what is durable.
    await runInDurableObject(stubOf(t), (_obj, state) => state.abort('restart for the test')).catch(() => undefined);
    const second = await json(await route(t));
    expect(second.receipt.seq).toBe(2);
    expect(second.receipt.prev_receipt_hash).toBe(first.receipt.receipt_hash);
    const chain = await chainOf(t);
    expect(await verifyChain(chain, jwks)).toMatchObject({ ok: true, verified: 2 });
    // The tree continues across the restart too (its in-memory right edge is rebuilt from storage).
    expect(await tenantLog(env as HallEnv, t).treeHead()).toEqual({ size: 2, root: toBase64Std(merkleRoot(chain.map((r) => fromHex(r.receipt_hash)))) });
  });
});

describe('checkpoints and proofs from the object', () => {
  it('signs a checkpoint within a few seconds of growth; each verifies and is consistent with the next; proofs verify', async () => {
    const t = await newTenant('cp');
    const log = tenantLog(env as HallEnv, t);
    const seen: { size: number; root: string }[] = [];
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 4 }, () => route(t)));
      // Signed by the object's alarm, not on request.
      let cp = null;
      for (let i = 0; i < 60 && (cp = await log.latestCheckpoint())?.tree_size !== 4 * (round + 1); i++) await new Promise((r) => setTimeout(r, 100));
      expect(cp?.tree_size).toBe(4 * (round + 1));
      const v = await verifyCheckpoint(cp!.note, { jwks });
      expect(v).toMatchObject({ ok: true, tree_size: cp!.tree_size, root_hash: cp!.root });
      expect(parseCheckpoint(cp!.note)).toMatchObject({ ok: true, origin: `edgehall/log/${t}` });
      seen.push({ size: cp!.tree_size, root: cp!.root });
    }
    for (let i = 1; i < seen.length; i++) {
      const proof = await log.consistencyProof(seen[i - 1]!.size, seen[i]!.size);
      expect(verifyConsistency(seen[i - 1]!.size, seen[i]!.size, seen[i - 1]!.root, seen[i]!.root, proof)).toEqual({ ok: true });
    }
    const chain = await chainOf(t);
    const last = seen[seen.length - 1]!;
    for (const r of chain) expect(verifyInclusion(r.receipt_hash, r.seq - 1, last.size, await log.inclusionProof(r.seq - 1, last.size), last.root)).toEqual({ ok: true });
    await expect(log.inclusionProof(12, 12)).rejects.toMatchObject({ status: 400, code: 'LOG_RANGE_INVALID' });
    await expect(log.consistencyProof(1, 13)).rejects.toMatchObject({ status: 400, code: 'LOG_RANGE_INVALID' });
    expect(await log.receiptBySeq(5)).toEqual(chain[4]);
    expect(await log.receiptById(chain[6]!.receipt_id)).toEqual(chain[6]);
  });
});

describe('the D1 index', () => {
  it('is fed every decision once; re-feeding the same batch twice changes nothing', async () => {
    const t = await newTenant('index');
    const approvalInput = { env: 'prod', data_label: 'RESTRICTED' };
    await Promise.all([route(t), route(t), route(t, approvalInput)]);
    await settleIndex(t);
    const snapshot = async () => ({
      decisions: (await env.HALL_DB.prepare('SELECT * FROM decisions WHERE tenant_id = ?1 ORDER BY receipt_seq').bind(t).all()).results,
      receipts: (await env.HALL_DB.prepare('SELECT * FROM receipts WHERE tenant_id = ?1 ORDER BY seq').bind(t).all()).results,
      approvals: (await env.HALL_DB.prepare('SELECT * FROM approvals WHERE tenant_id = ?1').bind(t).all()).results,
      events: (await env.HALL_DB.prepare('SELECT e.* FROM approval_events e JOIN approvals a ON a.approval_id = e.approval_id WHERE a.tenant_id = ?1 ORDER BY e.approval_id, e.seq').bind(t).all()).results,
      state: await env.HALL_DB.prepare('SELECT log_size, indexed_size, oldest_unindexed_at, last_error FROM evidence_index WHERE tenant_id = ?1').bind(t).first(),
    });
    const before = await snapshot();
    expect(before.decisions).toHaveLength(3);
    expect(before.receipts).toHaveLength(3);
    expect(before.approvals).toHaveLength(1);
    expect(before.state).toEqual({ log_size: 3, indexed_size: 3, oldest_unindexed_at: null, last_error: null });
    // The batch exactly as the object feeds it, written twice more (a lost answer, a retry).
    const batch = await runInDurableObject(stubOf(t), (_obj, state) =>
      state.storage.sql.exec('SELECT r.seq, r.receipt_id, r.receipt_hash, r.created_at, r.receipt_json, i.record_json, i.decision_json FROM receipts r JOIN index_rows i ON i.seq = r.seq ORDER BY r.seq').toArray(),
    );
    const entries: IndexEntry[] = batch.map((row) => {
      const receipt = JSON.parse(row['receipt_json'] as string) as Receipt;
      const stored = JSON.parse(row['record_json'] as string) as Omit<IndexEntry, 'seq' | 'receipt'>;
      return {
        ...stored,
        decision: { ...stored.decision, decision_json: row['decision_json'] as string },
        seq: receipt.seq,
        receipt: { receipt_id: receipt.receipt_id, tenant_id: t, seq: receipt.seq, prev_receipt_hash: receipt.prev_receipt_hash, receipt_hash: receipt.receipt_hash, decision_id: receipt.decision_id, signing_key_id: receipt.signing_key_id, created_at: receipt.dispatched_at, receipt_json: row['receipt_json'] as string },
      };
    });
    expect(entries.some((e) => e.openApproval)).toBe(true);
    for (let i = 0; i < 2; i++) await writeIndexBatch(env.HALL_DB, { tenantId: t, shard: 0, entries, logSize: 3, oldestUnindexedAt: null });
    expect(await snapshot()).toEqual(before);
  });

  it('a failing feed leaves the decision answered (durable in the log), shows the lag in /wcp/health, and catches up exactly once', async () => {
    const t = await newTenant('lag');
    // D1 refuses this tenant's decision rows: the index cannot be fed.
    await env.HALL_DB.prepare(`CREATE TRIGGER test_lag_block BEFORE INSERT ON decisions WHEN NEW.tenant_id = '${t}' BEGIN SELECT RAISE(ABORT, 'index blocked by the test'); END`).run();
    try {
      const res = await route(t);
      expect(res.status).toBe(200);
      const { decision, receipt } = await json(res);
      expect(decision.denied).toBe(false);
      // The exact reads come from the log whatever the index holds.
      expect((await chainOf(t)).map((r) => r.receipt_id)).toEqual([receipt.receipt_id]);
      const own = await json(await call(`/receipts/${receipt.receipt_id}`, { token: tokenOf(t) }));
      expect(own.receipt).toEqual(receipt);
      await settleIndex(t); // tries, fails, reports
      expect(await d1Count('SELECT COUNT(*) AS n FROM decisions WHERE tenant_id = ?1', t)).toBe(0);
      // Health reads the lag at most once a second per isolate.
      await new Promise((r) => setTimeout(r, 1100));
      const health = await json(await call('/wcp/health'));
      expect(health.evidence_index.lag_receipts).toBeGreaterThanOrEqual(1);
      expect(health.evidence_index.logs_failing).toBeGreaterThanOrEqual(1);
      expect(health.evidence_index.oldest_unindexed_at).toMatch(/^\d{4}-/);
      expect(health.problems).toContain('EVIDENCE_INDEX_TRAILING');
      const state = await env.HALL_DB.prepare('SELECT log_size, indexed_size, last_error FROM evidence_index WHERE tenant_id = ?1').bind(t).first();
      expect(state).toEqual({ log_size: 1, indexed_size: 0, last_error: 'INDEX_WRITE_FAILED' });
    } finally {
      await env.HALL_DB.prepare('DROP TRIGGER test_lag_block').run();
    }
    await route(t);
    await settleIndex(t);
    expect(await d1Count('SELECT COUNT(*) AS n FROM decisions WHERE tenant_id = ?1', t)).toBe(2);
    expect(await d1Count('SELECT COUNT(*) AS n FROM receipts WHERE tenant_id = ?1', t)).toBe(2);
    expect(await env.HALL_DB.prepare('SELECT log_size, indexed_size, last_error FROM evidence_index WHERE tenant_id = ?1').bind(t).first()).toEqual({ log_size: 2, indexed_size: 2, last_error: null });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await json(await call('/wcp/health'))).problems).not.toContain('EVIDENCE_INDEX_TRAILING');
  });
});

describe('migration from the D1 chain', () => {
  /** A v0.1 chain of `n` receipts in D1 (as the old chain writer left it), signed with the Hall's key. */
  async function legacyChain(tenant: string, n: number): Promise<Receipt[]> {
    const key = await importEd25519PrivateJwk(JSON.parse(env.HALL_SIGNING_KEY));
    const signer = await createEd25519Signer(key.seed);
    const out: Receipt[] = [];
    for (let seq = 1; seq <= n; seq++) {
      const r = await signReceipt(
        buildReceipt({
          tenant_id: tenant, seq, prev_receipt_hash: out[seq - 2]?.receipt_hash ?? null, decision_id: `legacy-${tenant}-${seq}`, correlation_id: `c-${seq}`,
          worker_id: null, worker_species_id: null, capability_id: 'cap.doc.summarize', policy_decision: 'DENY', deny_code: 'DENY_TEST',
          controls_verified: [], artifact_hash: null, rules_version: 'rv-legacy', approval_id: null, signing_key_id: key.kid, dry_run: false,
        }),
        signer,
      );
      out.push(r);
      await env.HALL_DB.batch([
        env.HALL_DB.prepare(
          `INSERT INTO receipts (receipt_id, tenant_id, seq, prev_receipt_hash, receipt_hash, decision_id, signing_key_id, created_at, receipt_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
        ).bind(r.receipt_id, tenant, seq, r.prev_receipt_hash, r.receipt_hash, r.decision_id, r.signing_key_id, r.dispatched_at, JSON.stringify(r)),
        env.HALL_DB.prepare(
          `INSERT INTO decisions (decision_id, tenant_id, correlation_id, capability_id, env, data_label, selected_worker_species_id, denied, deny_code, matched_rule_id, rules_version, approval_id, receipt_id, receipt_seq, created_at, decision_json)
           VALUES (?1, ?2, ?3, 'cap.doc.summarize', 'dev', 'INTERNAL', NULL, 1, 'DENY_TEST', NULL, 'rv-legacy', NULL, ?4, ?5, ?6, '{}')`,
        ).bind(r.decision_id, tenant, r.correlation_id, r.receipt_id, seq, r.dispatched_at),
      ]);
    }
    return out;
  }

  it('an existing D1 chain continues in the object at seq N + 1 with the right prev_receipt_hash; the tree covers the whole chain', async () => {
    const t = await newTenant('legacy');
    const old = await legacyChain(t, 7);
    const { receipt } = await json(await route(t));
    expect(receipt.seq).toBe(8);
    expect(receipt.prev_receipt_hash).toBe(old[6]!.receipt_hash);
    const chain = await chainOf(t);
    expect(chain.slice(0, 7)).toEqual(old);
    expect(await verifyChain(chain, jwks)).toMatchObject({ ok: true, verified: 8 });
    const head = await tenantLog(env as HallEnv, t).treeHead();
    expect(head).toEqual({ size: 8, root: toBase64Std(merkleRoot(chain.map((r) => fromHex(r.receipt_hash)))) });
    // The index keeps the old rows and gains the new one (the D1 link trigger is satisfied).
    await settleIndex(t);
    expect(await d1Count('SELECT COUNT(*) AS n FROM receipts WHERE tenant_id = ?1', t)).toBe(8);
    expect(await d1Count('SELECT COUNT(*) AS n FROM decisions WHERE tenant_id = ?1', t)).toBe(8);
  });

  it('if D1 cannot be read when the log starts, it answers 503 and never starts a second chain at seq 1', async () => {
    const t = await newTenant('legacy-down');
    const old = await legacyChain(t, 3);
    const failing = new Proxy(env.HALL_DB, {
      get: (target, prop) => (prop === 'prepare' ? () => { throw new Error('D1_ERROR: injected'); } : Reflect.get(target, prop)),
    });
    await runInDurableObject(stubOf(t), (obj) => {
      (obj as unknown as { env: HallEnv }).env = { ...(env as HallEnv), HALL_DB: failing };
    });
    const res = await route(t);
    expect(res.status).toBe(503);
    const problem = await json(res);
    expect(problem.code).toBe('RECEIPT_CHAIN_UNAVAILABLE');
    expect(problem.decision).toBeUndefined();
    await runInDurableObject(stubOf(t), (obj) => {
      (obj as unknown as { env: HallEnv }).env = env as HallEnv;
    });
    const { receipt } = await json(await route(t));
    expect(receipt.seq).toBe(4);
    expect(receipt.prev_receipt_hash).toBe(old[2]!.receipt_hash);
  });
});

describe('shards', () => {
  it('a tenant with shards: 3 writes three independent chains; receipts name their shard; each chain, tree and receipt read verifies', async () => {
    const t = await newTenant('sharded', { shards: 3 });
    const answers = await Promise.all(Array.from({ length: 30 }, () => route(t).then((r) => json(r))));
    const receipts = answers.map((a) => a.receipt as Receipt & { shard: number });
    expect(new Set(receipts.map((r) => r.shard))).toEqual(new Set([0, 1, 2]));
    for (const shard of [0, 1, 2]) {
      const mine = receipts.filter((r) => r.shard === shard);
      const chain = await chainOf(t, shard);
      expect(chain).toHaveLength(mine.length);
      expect(await verifyChain(chain, jwks)).toMatchObject({ ok: true, verified: mine.length });
      const head = await tenantLog(env as HallEnv, t, shard, 3).treeHead();
      expect(head.root).toBe(toBase64Std(merkleRoot(chain.map((r) => fromHex(r.receipt_hash)))));
      const cp = await tenantLog(env as HallEnv, t, shard, 3).latestCheckpoint(chain.length);
      expect(parseCheckpoint(cp!.note)).toMatchObject({ ok: true, origin: shard === 0 ? `edgehall/log/${t}` : `edgehall/log/${t}/shard/${shard}` });
    }
    // Mixing two shards' receipts is refused by the verifier (each shard is its own chain).
    const zero = await chainOf(t, 0);
    const one = await chainOf(t, 1);
    expect(await verifyChain([zero[0]!, { ...one[1]! }], jwks)).toMatchObject({ ok: false, code: 'RECEIPT_CHAIN_SHARD_MISMATCH' });
    // Receipts of every shard are readable by id: the tenant from its logs, the admin from the index.
    const sample = receipts.find((r) => r.shard === 2)!;
    expect((await json(await call(`/receipts/${sample.receipt_id}`, { token: tokenOf(t) }))).receipt).toEqual(sample);
    await settleIndex(t);
    expect((await json(await call(`/receipts/${sample.receipt_id}`, { token: ADMIN }))).receipt).toEqual(sample);
    expect(await d1Count('SELECT COUNT(*) AS n FROM decisions WHERE tenant_id = ?1', t)).toBe(30);
    expect(await d1Count('SELECT COUNT(*) AS n FROM shard_receipts WHERE tenant_id = ?1', t)).toBe(receipts.filter((r) => r.shard > 0).length);
  });

  it('shards are refused outside 1..16 with the path', async () => {
    for (const shards of [0, 17, 1.5, '2']) {
      const res = await call('/admin/tenants/sharded-bad', { method: 'PUT', token: ADMIN, json: { token: tokenOf('sharded-bad'), shards } });
      expect(res.status).toBe(400);
      expect(JSON.stringify((await json(res)).issues)).toContain('shards');
    }
  });
});

describe('a failure in the object', () => {
  it('its storage failing → 503 RECEIPT_CHAIN_UNAVAILABLE, nothing allowed, nothing recorded; the chain stays whole', async () => {
    const t = await newTenant('broken');
    const ok = await json(await route(t));
    // Break the object's own SQLite: its receipts table is gone.
    await runInDurableObject(stubOf(t), (_obj, state) => state.storage.sql.exec('ALTER TABLE receipts RENAME TO receipts_away'));
    const input = routeInput({ tenant_id: t });
    const res = await call('/route', { method: 'POST', token: tokenOf(t), json: input });
    expect(res.status).toBe(503);
    const body = await json(res);
    expect(body.code).toBe('RECEIPT_CHAIN_UNAVAILABLE');
    expect(body.decision).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain('"denied":false');
    await runInDurableObject(stubOf(t), (_obj, state) => state.storage.sql.exec('ALTER TABLE receipts_away RENAME TO receipts'));
    const next = await json(await route(t));
    expect(next.receipt.seq).toBe(2);
    expect(next.receipt.prev_receipt_hash).toBe(ok.receipt.receipt_hash);
    // The rolled-back append left nothing in the tree either.
    const chain = await chainOf(t);
    expect(await tenantLog(env as HallEnv, t).treeHead()).toEqual({ size: 2, root: toBase64Std(merkleRoot(chain.map((r) => fromHex(r.receipt_hash)))) });
    await settleIndex(t);
    expect(await d1Count('SELECT COUNT(*) AS n FROM decisions WHERE correlation_id = ?1', input['correlation_id'])).toBe(0);
  });
});
