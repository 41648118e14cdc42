// Fail closed: an unreachable tenant log or a failing KV answers 503 and no allow decision leaves
// the Hall (a failing D1 index only delays the index); missing or corrupt rules deny every request with a named code; two
// isolates extending the same chain never fork it.
import { createExecutionContext, env } from 'cloudflare:test';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/receipts/index.js';
import { createHallWorker, defaultStores } from '../../worker/app.js';
import type { HallEnv } from '../../worker/env.js';
import type { ConfigStore } from '../../worker/stores/config-store.js';
import { StoreUnavailableError } from '../../worker/stores/errors.js';
import type { EvidenceStore } from '../../worker/stores/evidence-store.js';
import { ADMIN, DEMO, call, json, routeInput, seedKv, settleIndex } from './helpers.js';

beforeAll(seedKv);
afterEach(seedKv);

function routeRequest(body: Record<string, unknown>, token = DEMO): Request {
  return new Request('http://hall.test/route', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
}

/** Real stores, with the listed evidence methods replaced by ones that fail like an unreachable D1. */
function failingEvidence(methods: (keyof EvidenceStore)[]) {
  return (e: HallEnv) => {
    const real = defaultStores(e);
    const evidence = Object.create(real.evidence) as EvidenceStore;
    for (const m of methods) (evidence as unknown as Record<string, unknown>)[m] = async () => { throw new StoreUnavailableError('d1', m, new Error('D1_ERROR: injected')); };
    return { config: real.config, evidence, registry: real.registry };
  };
}

function failingConfig(failOn: (key: string) => boolean) {
  return (e: HallEnv) => {
    const real = defaultStores(e);
    const config: ConfigStore = {
      get: async (k) => { if (failOn(k)) throw new StoreUnavailableError('kv', 'get', new Error('KV GET failed: injected')); return real.config.get(k); },
      put: (k, v) => real.config.put(k, v),
      delete: (k) => real.config.delete(k),
      list: async (p) => { if (failOn(p)) throw new StoreUnavailableError('kv', 'list'); return real.config.list(p); },
    };
    return { config, evidence: real.evidence, registry: real.registry };
  };
}

async function decisionsWith(correlationId: string): Promise<number> {
  return (await env.HALL_DB.prepare('SELECT COUNT(*) AS n FROM decisions WHERE correlation_id = ?').bind(correlationId).first<{ n: number }>())!.n;
}

describe('injected store failures', () => {
  // The receipt chain lives in the tenant's log (a Durable Object, worker/log/); test/log breaks
  // the object itself. Here the Worker cannot reach it at all (no HALL_LOG binding).
  const withoutLog = (): HallEnv => {
    const { HALL_LOG: _log, ...rest } = env as HallEnv;
    return rest as HallEnv;
  };

  it('tenant log unreachable → 503 RECEIPT_CHAIN_UNAVAILABLE, nothing recorded, no decision in the body', async () => {
    const hall = createHallWorker();
    const input = routeInput();
    const res = await hall.fetch(routeRequest(input), withoutLog(), createExecutionContext());
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await json(res);
    expect(body.code).toBe('RECEIPT_CHAIN_UNAVAILABLE');
    expect(body.decision).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain('"denied":false');
    await settleIndex('demo');
    expect(await decisionsWith(input['correlation_id'] as string)).toBe(0);
    // The next call through a reachable log continues the chain without a gap.
    expect((await call('/route', { method: 'POST', token: DEMO, json: routeInput() })).status).toBe(200);
    const chain = await json(await call('/receipts?tenant_id=demo&limit=1000', { token: DEMO }));
    const jwks = await json(await call('/.well-known/wcp-keys.json'));
    expect(await verifyChain(chain.receipts, jwks)).toMatchObject({ ok: true });
  });

  it('approval claimed but the decision cannot be recorded → 503 and the approval is still usable', async () => {
    const input = routeInput({ env: 'prod', data_label: 'RESTRICTED' });
    const { decision } = await json(await call('/route', { method: 'POST', token: DEMO, json: input }));
    const id = decision.pending_approval_id as string;
    expect((await call(`/wcp/approvals/${id}/resolve`, { method: 'POST', token: ADMIN, json: { decision: 'approve' } })).status).toBe(200);
    const hall = createHallWorker();
    expect((await hall.fetch(routeRequest({ ...input, approval_id: id }), withoutLog(), createExecutionContext())).status).toBe(503);
    const retry = await json(await call('/route', { method: 'POST', token: DEMO, json: { ...input, approval_id: id } }));
    expect(retry.decision.denied).toBe(false);
    expect(retry.receipt.approval_id).toBe(id);
  });

  it('D1 refuses the approval row at decision time → the decision stands (durable in the log) and the log\'s index feed opens the approval', async () => {
    const hall = createHallWorker({ makeStores: failingEvidence(['openApproval']) });
    const input = routeInput({ env: 'prod', data_label: 'RESTRICTED' });
    const res = await hall.fetch(routeRequest(input), env, createExecutionContext());
    expect(res.status).toBe(200);
    const { decision, receipt } = await json(res);
    expect(decision.denied).toBe(true);
    expect(receipt.approval_id).toBe(decision.pending_approval_id);
    await settleIndex('demo');
    const approval = await json(await call(`/wcp/approvals/${decision.pending_approval_id}`, { token: ADMIN }));
    expect(approval.status ?? approval.approval?.status).toBe('pending');
  });

  it('KV unreadable → 503 HALL_CONFIG_STORE_UNAVAILABLE, nothing recorded', async () => {
    for (const failOn of [(k: string) => k === 'hall:version', (k: string) => k.startsWith('token:'), (k: string) => k === 'config', (k: string) => k.startsWith('rules:')]) {
      const hall = createHallWorker({ makeStores: failingConfig(failOn) });
      const input = routeInput();
      const res = await hall.fetch(routeRequest(input), env, createExecutionContext());
      expect(res.status).toBe(503);
      expect((await json(res)).code).toBe('HALL_CONFIG_STORE_UNAVAILABLE');
      expect(await decisionsWith(input['correlation_id'] as string)).toBe(0);
    }
  });

  it('no usable signing key → 503 HALL_SIGNING_KEY_UNAVAILABLE (no unsigned evidence)', async () => {
    for (const key of [undefined, 'not json', '{"kty":"OKP","crv":"Ed25519","x":"AAAA","d":"AAAA"}']) {
      const hall = createHallWorker();
      const input = routeInput();
      const res = await hall.fetch(routeRequest(input), { ...env, HALL_SIGNING_KEY: key } as HallEnv, createExecutionContext());
      expect(res.status).toBe(503);
      expect((await json(res)).code).toBe('HALL_SIGNING_KEY_UNAVAILABLE');
      expect(await decisionsWith(input['correlation_id'] as string)).toBe(0);
    }
  });
});

describe('rules missing or corrupt in KV', () => {
  const bump = () => env.HALL_KV.put('hall:version', `test-${crypto.randomUUID()}`);

  async function expectAllDenied(code: string): Promise<void> {
    for (const over of [{}, { env: 'prod' }, { capability_id: 'cap.web.fetch' }, { tenant_id: 'stranger' }]) {
      const res = await call('/route', { method: 'POST', token: ADMIN, json: routeInput(over) });
      expect(res.status).toBe(200);
      const { decision, receipt } = await json(res);
      expect(decision.denied).toBe(true);
      expect(decision.deny_reason_if_denied.code).toBe(code);
      expect(decision.telemetry_envelopes[0].deny_code).toBe(code);
      expect(receipt.deny_code).toBe(code);
      expect(receipt.policy_decision).toBe('DENY');
    }
    const health = await json(await call('/wcp/health'));
    expect(health.status).toBe('degraded');
    expect(health.problems).toContain(code);
  }

  it('rules:current missing → DENY_RULES_UNAVAILABLE', async () => {
    await env.HALL_KV.delete('rules:current');
    await bump();
    await expectAllDenied('DENY_RULES_UNAVAILABLE');
  });

  it('rules document corrupt, or pointing at a missing version → DENY_RULES_UNAVAILABLE', async () => {
    const pointer = JSON.parse((await env.HALL_KV.get('rules:current'))!) as { version: string };
    await env.HALL_KV.put(`rules:${pointer.version}`, '{"rules": [ this is not json');
    await bump();
    await expectAllDenied('DENY_RULES_UNAVAILABLE');
    await env.HALL_KV.put('rules:current', JSON.stringify({ version: 'rv-doesnotexist' }));
    await bump();
    await expectAllDenied('DENY_RULES_UNAVAILABLE');
    await env.HALL_KV.put('rules:current', JSON.stringify({ version: pointer.version }));
    await env.HALL_KV.put(`rules:${pointer.version}`, JSON.stringify({ rules: 'not a list' }));
    await bump();
    await expectAllDenied('DENY_RULES_UNAVAILABLE');
  });

  it('config or policy corrupt → DENY_HALL_CONFIG_UNAVAILABLE / DENY_POLICY_UNAVAILABLE', async () => {
    await env.HALL_KV.put('config', '{broken');
    await bump();
    await expectAllDenied('DENY_HALL_CONFIG_UNAVAILABLE');
    await seedKv();
    await env.HALL_KV.put('policy', JSON.stringify({ policy_version: 'x', rules: [{ decision: 'PERHAPS' }] }));
    await bump();
    await expectAllDenied('DENY_POLICY_UNAVAILABLE');
  });
});

describe('two isolates, one tenant', () => {
  it('interleaved writers never fork the chain (one log object per tenant writes it)', async () => {
    const a = createHallWorker();
    const b = createHallWorker();
    const send = (w: typeof a) => w.fetch(routeRequest(routeInput()), env, createExecutionContext());
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => send(i % 2 ? a : b)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const chain = await json(await call('/receipts?tenant_id=demo&limit=1000', { token: DEMO }));
    const seqs = chain.receipts.map((r: { seq: number }) => r.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const jwks = await json(await call('/.well-known/wcp-keys.json'));
    expect(await verifyChain(chain.receipts, jwks)).toMatchObject({ ok: true });
  });
});

describe('D1 guards the chain itself', () => {
  it('refuses a receipt whose predecessor is missing or whose prev hash is wrong, and a second seq 1', async () => {
    const insert = (seq: number, prev: string | null) =>
      env.HALL_DB.prepare(
        `INSERT INTO receipts (receipt_id, tenant_id, seq, prev_receipt_hash, receipt_hash, decision_id, signing_key_id, created_at, receipt_json)
         VALUES (?1, 'guard-tenant', ?2, ?3, ?4, 'd', 'k', '2026-01-01T00:00:00Z', '{}')`,
      ).bind(crypto.randomUUID(), seq, prev, 'a'.repeat(63) + String(seq % 10)).run();
    await insert(1, null);
    await expect(insert(1, null)).rejects.toThrow(/UNIQUE/);
    await expect(insert(3, 'a'.repeat(63) + '2')).rejects.toThrow(/receipt chain link missing/);
    await expect(insert(2, 'f'.repeat(64))).rejects.toThrow(/receipt chain link missing/);
    await expect(insert(1, 'f'.repeat(64))).rejects.toThrow();
    await insert(2, 'a'.repeat(63) + '1');
  });
});
