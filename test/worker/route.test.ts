import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/receipts/index.js';
import { DEMO, call, json, routeInput, seedKv } from './helpers.js';

beforeAll(seedKv);

describe('POST /route', () => {
  it('allows the seed example and returns a signed receipt recorded in D1', async () => {
    const res = await call('/route', { method: 'POST', token: DEMO, json: routeInput() });
    expect(res.status).toBe(200);
    const { decision, receipt } = await json(res);
    expect(decision.denied).toBe(false);
    expect(decision.selected_worker_species_id).toBe('wrk.doc.summarizer');
    expect(receipt.policy_decision).toBe('ALLOW');
    expect(receipt.worker_id).toBe('org.demo.doc-summarizer');
    expect(receipt.decision_id).toBe(decision.decision_id);
    const row = await env.HALL_DB.prepare('SELECT * FROM decisions WHERE decision_id = ?').bind(decision.decision_id).first();
    expect(row).not.toBeNull();
    const jwks = await json(await call('/.well-known/wcp-keys.json'));
    expect(await verifyReceipt(receipt, jwks)).toMatchObject({ ok: true });
  });
});
