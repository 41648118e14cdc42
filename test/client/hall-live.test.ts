// HallClient against the real Hall worker (Miniflare on loopback, local KV and D1, kv-seed loaded):
// the client's parsing, auth and receipt verification meet the API as it is actually served.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallApiError, HallClient } from '../../src/client/entry.js';
import { startLiveHall, type LiveHall } from './live-hall.js';

const example = (name: string) => JSON.parse(readFileSync(new URL(`../../kv-seed/examples/${name}.json`, import.meta.url), 'utf8'));

let hall: LiveHall;
let demo: HallClient;

beforeAll(async () => {
  hall = await startLiveHall();
  demo = new HallClient({ baseUrl: hall.url, token: hall.demoToken });
});
afterAll(() => hall?.close());

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
});
