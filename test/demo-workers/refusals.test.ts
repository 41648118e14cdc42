// The demo workers run nothing the Hall did not allow and sign: each attack below is a request a
// caller could send the demo worker directly (it is reachable on the dev session), and each is a
// 403 isError result with verifyDispatch's code — before any argument is read.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { dispatch, envelopeFor, send, serveKeys } from './dispatch.js';

const SUMMARIZER = '/org.demo.doc-summarizer';
const TEXT = { text: 'Receipts are signed. Workers verify them. Nothing runs unsigned.' };

async function expectRefused(res: { status: number; result: Record<string, any> }, code: string): Promise<void> {
  expect(res.status, JSON.stringify(res.result)).toBe(403);
  expect(res.result['isError']).toBe(true);
  expect(res.result['structuredContent']['error']['code']).toBe(code);
  expect(res.result['content'][0]['text']).toMatch(new RegExp(`^${code}: .*This worker runs only calls the Hall allowed and signed\\.$`));
  expect(JSON.stringify(res.result)).not.toContain('Workers verify them');
}

describe('a demo worker refuses what the Hall did not send', () => {
  it('plain arguments, an empty body, or an envelope without its headers (no receipt at all)', async () => {
    await expectRefused(await dispatch(SUMMARIZER, TEXT), 'DISPATCH_MALFORMED');
    await expectRefused(await dispatch(SUMMARIZER, ''), 'DISPATCH_MALFORMED');
    await expectRefused(await dispatch(SUMMARIZER, 'not json', { 'x-wcp-decision-id': 'd', 'x-wcp-receipt-id': 'r' }), 'DISPATCH_MALFORMED');
    const { receipt: _r, ...noReceipt } = await envelopeFor('cap.doc.summarize', TEXT);
    await expectRefused(await dispatch(SUMMARIZER, noReceipt, { 'x-wcp-receipt-id': 'r' }), 'DISPATCH_ENVELOPE_MISMATCH');
    const e = await envelopeFor('cap.doc.summarize', TEXT);
    await expectRefused(await send(new Request(`https://demo.internal${SUMMARIZER}`, { method: 'POST', body: JSON.stringify(e) })), 'DISPATCH_MALFORMED');
  });

  it('a forged receipt: signed by another key under the Hall\'s key id', async () => {
    const forgedKey = JSON.stringify({ ...JSON.parse(env.TEST_ROTATED_KEY), kid: 'hall-test-k1' });
    await expectRefused(await dispatch(SUMMARIZER, await envelopeFor('cap.doc.summarize', TEXT, { key: forgedKey })), 'DISPATCH_SIGNATURE_INVALID');
  });

  it('a genuine receipt with the arguments changed on the way', async () => {
    const e = await envelopeFor('cap.doc.summarize', TEXT);
    e['route_input']['request']['arguments']['text'] = 'Something the Hall never saw.';
    await expectRefused(await dispatch(SUMMARIZER, e), 'DISPATCH_ARTIFACT_MISMATCH');
  });

  it('a genuine receipt for another worker, a DENY, a dry run, a stale one, and a replay', async () => {
    await expectRefused(await dispatch('/org.demo.web-fetcher', await envelopeFor('cap.doc.summarize', TEXT)), 'DISPATCH_WRONG_WORKER');
    const deny = await envelopeFor('cap.doc.summarize', TEXT, { receipt: { policy_decision: 'DENY', deny_code: 'DENY_NO_MATCHING_RULE' } });
    await expectRefused(await dispatch(SUMMARIZER, deny), 'DISPATCH_NOT_ALLOWED');
    const dry = await envelopeFor('cap.doc.summarize', TEXT, { input: { dry_run: true }, receipt: { dry_run: true } });
    await expectRefused(await dispatch(SUMMARIZER, dry), 'DISPATCH_DRY_RUN');
    const stale = await envelopeFor('cap.doc.summarize', TEXT, { receipt: { dispatched_at: new Date(Date.now() - 10 * 60_000).toISOString() } });
    await expectRefused(await dispatch(SUMMARIZER, stale), 'DISPATCH_STALE');

    const once = await envelopeFor('cap.doc.summarize', TEXT);
    expect((await dispatch(SUMMARIZER, once)).status).toBe(200);
    await expectRefused(await dispatch(SUMMARIZER, once), 'DISPATCH_REPLAYED');
  });
});

describe('the Hall\'s key set', () => {
  it('a receipt under a key the Hall does not publish is refused after a fresh read of the key set', async () => {
    await expectRefused(await dispatch(SUMMARIZER, await envelopeFor('cap.doc.summarize', TEXT, { key: env.TEST_ROTATED_KEY })), 'DISPATCH_KEY_UNKNOWN');
  });

  it('after the Hall rotates its key, the first receipt under the new key refreshes the cached set', async () => {
    expect((await dispatch(SUMMARIZER, await envelopeFor('cap.doc.summarize', TEXT))).status).toBe(200); // the old set is cached
    await serveKeys({ keys: [env.TEST_HALL_PUBLIC_KEY, env.TEST_ROTATED_PUBLIC_KEY] });
    try {
      const res = await dispatch(SUMMARIZER, await envelopeFor('cap.doc.summarize', TEXT, { key: env.TEST_ROTATED_KEY }));
      expect(res.status, JSON.stringify(res.result)).toBe(200);
      expect(res.result['content'][0]['text']).toContain('Receipts are signed.');
    } finally {
      await serveKeys({ keys: [env.TEST_HALL_PUBLIC_KEY] });
    }
  });

  it('when the key set cannot be read, nothing runs: 503 DEMO_HALL_KEYS_UNAVAILABLE', async () => {
    await serveKeys({ keys: [env.TEST_HALL_PUBLIC_KEY] }, true);
    try {
      // A key id the cached set lacks forces a read of the (now failing) key endpoint.
      const res = await dispatch(SUMMARIZER, await envelopeFor('cap.doc.summarize', TEXT, { key: JSON.stringify({ ...JSON.parse(env.TEST_ROTATED_KEY), kid: 'hall-test-k3' }) }));
      expect(res.status).toBe(503);
      expect(res.result).toMatchObject({ isError: true, structuredContent: { error: { code: 'DEMO_HALL_KEYS_UNAVAILABLE' } } });
      expect(res.result['content'][0]['text']).toContain('Is the Hall running');
    } finally {
      await serveKeys({ keys: [env.TEST_HALL_PUBLIC_KEY] });
    }
  });
});

describe('paths and methods', () => {
  it('GET / lists the six workers; an unknown path is 404, a GET on a worker 405 (isError results)', async () => {
    const list = await send(new Request('https://demo.internal/'));
    expect(list.status).toBe(200);
    expect(list.result['workers'].map((w: { path: string }) => w.path)).toEqual([
      '/org.demo.doc-summarizer',
      '/org.demo.web-fetcher',
      '/org.demo.doc-chunker',
      '/org.demo.embedder',
      '/org.demo.doc-hasher',
      '/org.demo.research-registrar',
    ]);
    const unknown = await send(new Request('https://demo.internal/org.demo.nope', { method: 'POST', body: '{}' }));
    expect([unknown.status, unknown.result['structuredContent']['error']['code']]).toEqual([404, 'DEMO_UNKNOWN_WORKER']);
    const get = await send(new Request(`https://demo.internal${SUMMARIZER}`));
    expect([get.status, get.result['structuredContent']['error']['code']]).toEqual([405, 'DEMO_METHOD_NOT_ALLOWED']);
  });
});
