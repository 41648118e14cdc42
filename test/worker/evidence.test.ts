// Decision log (filters, cursor pagination, visibility), receipts (by id, chain segments) and the
// key set (old keys stay listed after a rotation).
import { createExecutionContext, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyChain, verifyReceipt } from '../../src/receipts/index.js';
import { createHallWorker } from '../../worker/index.js';
import { ADMIN, addTenant, call, json, routeInput, seedKv, setLogEnv } from './helpers.js';

const T = 'evidence-tenant-token-0123456789abcdef';
const OTHER = 'evidence-other-token-0123456789abcdef';
const route = (over: Record<string, unknown>) => call('/route', { method: 'POST', token: T, json: routeInput({ tenant_id: 'ev', ...over }) });

beforeAll(async () => {
  await seedKv();
  await addTenant('ev', T);
  await addTenant('ev-other', OTHER);
  for (let i = 0; i < 12; i++) {
    const res = await route(i % 3 === 0 ? { capability_id: 'cap.nothing.here' } : i % 3 === 1 ? { capability_id: 'cap.doc.chunk' } : {});
    expect(res.status).toBe(200);
  }
});

describe('GET /decisions', () => {
  it('pages newest first with an opaque cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Record<string, any> = await json(await call(`/decisions?limit=5${cursor ? `&cursor=${cursor}` : ''}`, { token: T }));
      seen.push(...page.decisions.map((d: { decision_id: string }) => d.decision_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    const all = await json(await call('/decisions?limit=200', { token: T }));
    const times = all.decisions.map((d: { created_at: string }) => d.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(all.decisions[0].decision.decision_id).toBe(all.decisions[0].decision_id);
  });

  it('filters by capability, worker, denied, deny code and time range', async () => {
    const q = async (qs: string) => (await json(await call(`/decisions?tenant_id=ev&limit=200&${qs}`, { token: T }))).decisions as Record<string, any>[];
    expect(await q('capability_id=cap.doc.chunk')).toHaveLength(4);
    expect(await q('worker_species_id=wrk.doc.summarizer')).toHaveLength(4);
    expect(await q('denied=true')).toHaveLength(4);
    expect((await q('denied=false')).every((d) => !d.denied)).toBe(true);
    expect(await q('deny_code=DENY_NO_MATCHING_RULE')).toHaveLength(4);
    expect(await q('since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z')).toHaveLength(12);
    expect(await q('until=2000-01-01T00:00:00Z')).toHaveLength(0);
  });

  it('tenants see only their own decisions; the admin sees all', async () => {
    expect((await call('/decisions?tenant_id=ev', { token: OTHER })).status).toBe(403);
    const own = await json(await call('/decisions', { token: OTHER }));
    expect(own.decisions).toHaveLength(0);
    const one = (await json(await call('/decisions?limit=1', { token: T }))).decisions[0];
    expect((await call(`/decisions/${one.decision_id}`, { token: T })).status).toBe(200);
    expect((await call(`/decisions/${one.decision_id}`, { token: OTHER })).status).toBe(404);
    expect((await call(`/decisions/${one.decision_id}`, { token: ADMIN })).status).toBe(200);
    expect((await call(`/decisions/${crypto.randomUUID()}`, { token: ADMIN })).status).toBe(404);
    expect((await call('/decisions')).status).toBe(401);
  });

  it('refuses bad filters with INVALID_QUERY', async () => {
    for (const qs of ['denied=maybe', 'limit=0', 'limit=1000', 'since=yesterday', 'cursor=%21%21', 'cursor=ZDpub3Q', 'unknown=1', 'deny_code=lower']) {
      const res = await call(`/decisions?${qs}`, { token: T });
      expect(res.status, qs).toBe(400);
      expect((await json(res)).code, qs).toBe('INVALID_QUERY');
    }
  });
});

describe('receipts', () => {
  it('GET /receipts returns a chain segment in seq order that verifies', async () => {
    const jwks = await json(await call('/.well-known/wcp-keys.json'));
    const all = await json(await call('/receipts?tenant_id=ev', { token: T }));
    expect(all.receipts.map((r: { seq: number }) => r.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(await verifyChain(all.receipts, jwks)).toMatchObject({ ok: true, verified: 12 });
    const seg = await json(await call('/receipts?tenant_id=ev&after_seq=5&limit=4', { token: T }));
    expect(seg.receipts.map((r: { seq: number }) => r.seq)).toEqual([6, 7, 8, 9]);
    expect(seg.next_after_seq).toBe(9);
    expect(await verifyChain(seg.receipts, jwks, { expectFirstSeq: 6, expectPrevHash: all.receipts[4].receipt_hash })).toMatchObject({ ok: true });
  });

  it('GET /receipts/:id and its visibility', async () => {
    const first = (await json(await call('/receipts?tenant_id=ev&limit=1', { token: T }))).receipts[0];
    const res = await call(`/receipts/${first.receipt_id}`, { token: T });
    expect(res.status).toBe(200);
    expect((await json(res)).receipt).toEqual(first);
    expect((await call(`/receipts/${first.receipt_id}`, { token: OTHER })).status).toBe(404);
    expect((await call('/receipts?tenant_id=ev', { token: OTHER })).status).toBe(403);
    expect((await call('/receipts', { token: T })).status).toBe(400);
  });

  it('old signing keys stay in /.well-known/wcp-keys.json after a rotation; the chain continues', async () => {
    const rotated = createHallWorker();
    const rotatedEnv = { ...env, HALL_SIGNING_KEY: env.TEST_SECOND_SIGNING_KEY };
    // The rotated secret is the script's: the Worker and the tenant's log run with it.
    await setLogEnv('ev', rotatedEnv);
    const req = new Request('http://hall.test/route', {
      method: 'POST',
      headers: { authorization: `Bearer ${T}`, 'content-type': 'application/json' },
      body: JSON.stringify(routeInput({ tenant_id: 'ev' })),
    });
    const res = await rotated.fetch(req, rotatedEnv, createExecutionContext());
    expect(res.status).toBe(200);
    const { receipt } = await json(res);
    expect(receipt.seq).toBe(13);

    const keysAfter = await json(await rotated.fetch(new Request('http://hall.test/.well-known/wcp-keys.json'), rotatedEnv, createExecutionContext()));
    expect(keysAfter.keys.length).toBeGreaterThanOrEqual(2);
    for (const k of keysAfter.keys) {
      expect(k).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
      expect(k.d).toBeUndefined();
    }
    expect(await verifyReceipt(receipt, keysAfter)).toMatchObject({ ok: true });
    const chain = await json(await call('/receipts?tenant_id=ev', { token: T }));
    const verdict = await verifyChain(chain.receipts, keysAfter);
    expect(verdict).toMatchObject({ ok: true, verified: 13 });
    expect(new Set(chain.receipts.map((r: { signing_key_id: string }) => r.signing_key_id)).size).toBe(2);
  });
});
