// The whole way with the Hall's own dispatcher: the SDK client's tools/call is decided, receipted,
// dispatched over a Service binding to a real worker that re-verifies the dispatch (verifyDispatch:
// signature, ALLOW, itself, artifact hash), and answered with the worker's result and the signed
// outcome record.
import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/receipts/index.js';
import { DEMO, connect, gateway, jwks, putWorker, seedHall, summarizerRecord, targetSummarizerRecord, wcpOf } from './helpers.js';

beforeAll(async () => {
  await seedHall();
  await putWorker(targetSummarizerRecord());
});
afterAll(() => putWorker(summarizerRecord()));

type Result = { content: { type: string; text?: string }[]; isError?: boolean; structuredContent?: Record<string, unknown>; _meta?: Record<string, unknown> };

describe('tools/call with the Hall\'s dispatcher', () => {
  it('the worker verifies the dispatch and its result comes back with the receipt and outcome', async () => {
    const g = gateway();
    const client = await connect(g.fetch, DEMO);
    const args = { text: 'Governed at the edge.' };
    const result = (await client.callTool({ name: 'cap.doc.summarize', arguments: args })) as Result;
    expect(result.isError).toBeUndefined();
    expect(result.content).toEqual([{ type: 'text', text: 'echo: Governed at the edge.' }]);
    const wcp = wcpOf(result);
    // The target ran verifyDispatch for itself and saw exactly the arguments the receipt covers.
    expect(result.structuredContent).toEqual({ echo: args, decision_id: wcp.decision_id, worker_id: 'org.demo.doc-summarizer' });
    // A worker cannot write the gateway's key; its own keys pass through.
    expect(wcp.forged).toBeUndefined();
    expect(result._meta?.['com.example/trace']).toBe('kept');
    expect(await verifyReceipt(wcp.receipt, await jwks(g.fetch))).toEqual({ ok: true });
    expect(wcp.outcome).toMatchObject({ status: 'ok', decision_id: wcp.decision_id, receipt_hash: wcp.receipt.receipt_hash, target_kind: 'service', http_status: 200, result_is_error: false });
    expect(wcp.outcome.result_sha256).toMatch(/^[0-9a-f]{64}$/);
    const seen = (await (await env.TARGET.fetch(`http://target/__seen/${wcp.decision_id}`)).json()) as { seen: { headers: Record<string, string> }[] };
    expect(seen.seen).toHaveLength(1);
    // The caller's token never travels to the worker.
    expect(JSON.stringify(seen.seen[0]!.headers)).not.toContain(DEMO);
  });

  for (const [mode, code] of [['fail', 'DISPATCH_UPSTREAM_ERROR'], ['garbage', 'DISPATCH_BAD_RESPONSE'], ['hang', 'DISPATCH_TIMEOUT']] as const) {
    it(`a worker that misbehaves (${mode}) is an isError ${code} result; decision and outcome on record`, async () => {
      const g = gateway();
      const client = await connect(g.fetch, DEMO);
      const result = (await client.callTool({ name: 'cap.doc.summarize', arguments: { text: 'x', mode, ms: 3000 } })) as Result;
      expect(result.isError).toBe(true);
      expect(result.content[0]!.text).toMatch(new RegExp(`^${code}: `));
      const wcp = wcpOf(result);
      expect(wcp.denied).toBe(false);
      expect(await verifyReceipt(wcp.receipt, await jwks(g.fetch))).toEqual({ ok: true });
      expect(wcp.outcome).toMatchObject({ status: 'failed', error_code: code, decision_id: wcp.decision_id });
    });
  }
});
