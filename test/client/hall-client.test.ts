// HallClient's own behaviour over real HTTP on loopback, with a scripted server where the
// behaviour under test needs a misbehaving Hall (slow answers, 503s, forged receipts, cursors).
// hall-live.test.ts runs the same client against the real Hall worker in Miniflare.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HallApiError, HallClient, HallReceiptError, CLIENT_CODES } from '../../src/client/entry.js';
import { createHash } from 'node:crypto';
import { ed25519Verify } from '../../src/crypto/index.js';
import { fromBase64Url } from '../../src/util/index.js';
import { json, problem, startLoopback, type Loopback } from './loopback.js';
import { chainForTest, receiptForTest, testKey, type TestKey } from './signer.js';

let hall: Loopback;
let key: TestKey;
let rotated: TestKey;

beforeAll(async () => {
  hall = await startLoopback();
  key = await testKey('hall-key-1');
  rotated = await testKey('hall-key-2');
});
afterAll(() => hall.close());
beforeEach(() => {
  hall.reset();
  hall.on('GET /.well-known/wcp-keys.json', (_r, res) => json(res, 200, { keys: [key.jwk] }));
});

const input = {
  capability_id: 'cap.doc.summarize',
  env: 'dev' as const,
  data_label: 'INTERNAL' as const,
  tenant_risk: 'low' as const,
  qos_class: 'P2' as const,
  tenant_id: 'demo',
  correlation_id: '550e8400-e29b-41d4-a716-446655440000',
};

async function routeAnswer(decisionId: string, signWith: TestKey = key, receiptDecisionId = decisionId) {
  const receipt: Record<string, unknown> = await receiptForTest({ decision_id: receiptDecisionId }, signWith);
  return { decision: { decision_id: decisionId, denied: false, selected_worker_species_id: 'wrk.doc.summarizer' }, receipt };
}

const client = (extra: Partial<ConstructorParameters<typeof HallClient>[0]> = {}) =>
  new HallClient({ baseUrl: hall.url, token: 'tenant-token', retryDelayMs: 5, maxRetryDelayMs: 50, ...extra });

const seenOn = (route: string) => hall.seen.filter((s) => `${s.method} ${s.path}` === route);

describe('route', () => {
  it('posts the input with the bearer token and returns the decision once its receipt verifies', async () => {
    const answer = await routeAnswer('dec-1');
    hall.on('POST /route', (_r, res) => json(res, 200, answer));
    const out = await client().route(input);
    expect(out.decision.decision_id).toBe('dec-1');
    expect(out.receipt['receipt_hash']).toBe(answer.receipt['receipt_hash']);
    const [post] = seenOn('POST /route');
    expect(post!.headers.authorization).toBe('Bearer tenant-token');
    expect(post!.headers['content-type']).toBe('application/json');
    expect(post!.headers.cookie).toBeUndefined();
    expect(JSON.parse(post!.body.toString())).toEqual(input);
    // The key set is public: fetched without credentials.
    expect(seenOn('GET /.well-known/wcp-keys.json')[0]!.headers.authorization).toBeUndefined();
  });

  it('withholds the decision when the receipt was tampered with', async () => {
    const answer = await routeAnswer('dec-2');
    answer.receipt['policy_decision'] = 'DENY';
    hall.on('POST /route', (_r, res) => json(res, 200, answer));
    const err = await client().route(input).catch((e) => e);
    expect(err).toBeInstanceOf(HallReceiptError);
    expect(err.code).toBe(CLIENT_CODES.RECEIPT_UNVERIFIED);
    expect(err.receipt).toEqual(answer.receipt);
  });

  it('withholds the decision when a valid receipt belongs to another decision', async () => {
    hall.on('POST /route', async (_r, res) => json(res, 200, await routeAnswer('dec-3', key, 'dec-other')));
    const err = await client().route(input).catch((e) => e);
    expect(err).toBeInstanceOf(HallReceiptError);
    expect(err.reason).toBe('RECEIPT_DECISION_MISMATCH');
    expect(err.code).toBe(CLIENT_CODES.RECEIPT_UNVERIFIED);
  });

  it('withholds a decision whose worker or verdict was swapped under a genuine receipt', async () => {
    const swapped = await routeAnswer('dec-8');
    swapped.decision.selected_worker_species_id = 'wrk.evil.exfiltrator';
    hall.on('POST /route', (_r, res) => json(res, 200, swapped));
    expect(await client().route(input).catch((e) => e.message)).toMatch(/worker_species_id differs/);

    const flipped = await routeAnswer('dec-9');
    flipped.receipt['policy_decision'] = 'DENY';
    const resigned = await receiptForTest({ decision_id: 'dec-9', policy_decision: 'DENY' }, key);
    hall.on('POST /route', (_r, res) => json(res, 200, { decision: flipped.decision, receipt: resigned }));
    expect(await client().route(input).catch((e) => e.message)).toMatch(/policy_decision differs/);
  });

  it('rejects a receipt signed by a key the Hall does not publish', async () => {
    hall.on('POST /route', async (_r, res) => json(res, 200, await routeAnswer('dec-4', rotated)));
    await expect(client().route(input)).rejects.toBeInstanceOf(HallReceiptError);
    // One refetch of the key set for the unknown kid, then refusal.
    expect(seenOn('GET /.well-known/wcp-keys.json')).toHaveLength(2);
  });

  it('caches the key set and refetches it once when the Hall rotates to a new key', async () => {
    const c = client();
    hall.on('POST /route', async (_r, res) => json(res, 200, await routeAnswer('dec-5')));
    await c.route(input);
    await c.route(input);
    expect(seenOn('GET /.well-known/wcp-keys.json')).toHaveLength(1);
    hall.on('GET /.well-known/wcp-keys.json', (_r, res) => json(res, 200, { keys: [key.jwk, rotated.jwk] }));
    hall.on('POST /route', async (_r, res) => json(res, 200, await routeAnswer('dec-6', rotated)));
    await c.route(input);
    expect(seenOn('GET /.well-known/wcp-keys.json')).toHaveLength(2);
  });

  it('skips verification only when told to', async () => {
    const answer = await routeAnswer('dec-7');
    answer.receipt['signature'] = 'AAAA';
    hall.on('POST /route', (_r, res) => json(res, 200, answer));
    const out = await client({ verifyReceipts: false }).route(input);
    expect(out.decision.decision_id).toBe('dec-7');
    expect(seenOn('GET /.well-known/wcp-keys.json')).toHaveLength(0);
  });

  it('is never retried, even on 503', async () => {
    hall.on('POST /route', (_r, res) => problem(res, 503, 'EVIDENCE_UNAVAILABLE', 'The decision could not be recorded; nothing was allowed.'));
    const err = await client({ retries: 3 }).route(input).catch((e) => e);
    expect(err).toBeInstanceOf(HallApiError);
    expect(err.status).toBe(503);
    expect(err.code).toBe('EVIDENCE_UNAVAILABLE');
    expect(seenOn('POST /route')).toHaveLength(1);
  });
});

describe('errors', () => {
  it('carries the problem+json code, status, detail and issues', async () => {
    hall.on('POST /route', (_r, res) =>
      problem(res, 400, 'INVALID_INPUT', 'RouteInput is invalid (2 problems).', { issues: [{ path: ['env'], message: 'bad' }, { path: ['tenant_id'], message: 'empty' }] }),
    );
    const err = (await client().route(input).catch((e) => e)) as HallApiError;
    expect(err).toBeInstanceOf(HallApiError);
    expect([err.status, err.code, err.detail]).toEqual([400, 'INVALID_INPUT', 'RouteInput is invalid (2 problems).']);
    expect(err.issues.map((i) => i.path[0])).toEqual(['env', 'tenant_id']);
    expect(err.request).toBe('POST /route');
    expect(err.message).not.toContain('tenant-token');
  });

  it('names an error page without problem details CLIENT_HTTP_ERROR', async () => {
    hall.on('GET /wcp/health', (_r, res) => {
      res.writeHead(418, { 'content-type': 'text/html' });
      res.end('<h1>teapot</h1>');
    });
    const err = (await client().health().catch((e) => e)) as HallApiError;
    expect([err.status, err.code]).toEqual([418, CLIENT_CODES.HTTP_ERROR]);
  });

  it('reports a closed port as CLIENT_UNREACHABLE after retrying the read', async () => {
    const dead = await startLoopback();
    const url = dead.url;
    await dead.close();
    const err = (await new HallClient({ baseUrl: url, retries: 1, retryDelayMs: 1 }).health().catch((e) => e)) as HallApiError;
    expect([err.status, err.code]).toEqual([0, CLIENT_CODES.UNREACHABLE]);
  });

  it('refuses plain http to a remote host and credentials in headers', () => {
    expect(() => new HallClient({ baseUrl: 'http://hall.example.com' })).toThrow(/clear text/);
    expect(() => new HallClient({ baseUrl: 'ftp://hall.example.com' })).toThrow(HallApiError);
    expect(() => new HallClient({ baseUrl: 'https://hall.example.com', headers: { Authorization: 'Bearer x' } })).toThrow(/token option/);
    expect(new HallClient({ baseUrl: 'http://hall.example.com/', allowInsecureHttp: true }).baseUrl).toBe('http://hall.example.com');
  });
});

describe('retries and timeouts', () => {
  it('retries an idempotent read on 503 with backoff, honouring Retry-After', async () => {
    let n = 0;
    hall.on('GET /wcp/health', (_r, res) => (++n < 3 ? problem(res, 503, 'BUSY', 'try later', {}, { 'retry-after': '0' }) : json(res, 200, { status: 'ok' })));
    expect(await client({ retries: 2 }).health()).toEqual({ status: 'ok' });
    expect(n).toBe(3);
  });

  it('does not retry a read that failed for a reason retrying cannot fix', async () => {
    hall.on('GET /decisions/nope', (_r, res) => problem(res, 404, 'DECISION_NOT_FOUND', 'No decision with this id.'));
    const err = (await client().decision('nope').catch((e) => e)) as HallApiError;
    expect(err.code).toBe('DECISION_NOT_FOUND');
    expect(seenOn('GET /decisions/nope')).toHaveLength(1);
  });

  it('times out each attempt and reports CLIENT_TIMEOUT after the retries', async () => {
    hall.on('GET /wcp/capabilities', (_r, res) => void setTimeout(() => json(res, 200, {}), 1_000));
    const err = (await client({ timeoutMs: 100, retries: 1 }).capabilities().catch((e) => e)) as HallApiError;
    expect([err.status, err.code]).toEqual([0, CLIENT_CODES.TIMEOUT]);
    expect(seenOn('GET /wcp/capabilities')).toHaveLength(2);
  });

  it('counts a body that stalls after the headers against the timeout, and retries the read', async () => {
    let n = 0;
    hall.on('GET /wcp/capabilities', (_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      if (++n === 1) res.write('{"capabilities": [');
      else res.end('{"capabilities": []}');
    });
    expect(await client({ timeoutMs: 150, retries: 1 }).capabilities()).toEqual({ capabilities: [] });
    expect(n).toBe(2);
  });

  it("rejects with the caller's abort reason and stops retrying", async () => {
    hall.on('GET /wcp/workers', (_r, res) => void setTimeout(() => json(res, 200, {}), 2_000));
    const controller = new AbortController();
    const reason = new Error('user went away');
    setTimeout(() => controller.abort(reason), 50);
    await expect(client({ retries: 5 }).workers({}, { signal: controller.signal })).rejects.toBe(reason);
    expect(seenOn('GET /wcp/workers')).toHaveLength(1);
  });
});

describe('decisions', () => {
  it('iterates every page through the cursor, newest first, passing the filters', async () => {
    const pages: Record<string, { decisions: { decision_id: string }[]; next_cursor: string | null }> = {
      '': { decisions: [{ decision_id: 'd5' }, { decision_id: 'd4' }], next_cursor: 'c1' },
      c1: { decisions: [{ decision_id: 'd3' }, { decision_id: 'd2' }], next_cursor: 'c2' },
      c2: { decisions: [{ decision_id: 'd1' }], next_cursor: null },
    };
    hall.on('GET /decisions', (r, res) => json(res, 200, pages[r.query.get('cursor') ?? '']));
    const ids: string[] = [];
    for await (const d of client().decisions({ tenant_id: 'demo', denied: true, limit: 2 })) ids.push(d.decision_id);
    expect(ids).toEqual(['d5', 'd4', 'd3', 'd2', 'd1']);
    const queries = seenOn('GET /decisions').map((s) => Object.fromEntries(s.query));
    expect(queries[0]).toEqual({ tenant_id: 'demo', denied: 'true', limit: '2' });
    expect(queries[2]).toEqual({ tenant_id: 'demo', denied: 'true', limit: '2', cursor: 'c2' });
  });

  it('stops on a cursor that repeats instead of looping forever', async () => {
    hall.on('GET /decisions', (_r, res) => json(res, 200, { decisions: [{ decision_id: 'x' }], next_cursor: 'same' }));
    const it = client().decisions();
    await expect((async () => { for await (const _ of it) void _; })()).rejects.toThrow(/same cursor/);
  });
});

describe('receipts', () => {
  it('verifies each receipt of a segment and the whole chain, naming the seq of a tampered receipt', async () => {
    const chain = await chainForTest('demo', 7, key);
    hall.on('GET /receipts', (r, res) => {
      const after = Number(r.query.get('after_seq') ?? 0);
      const limit = Number(r.query.get('limit') ?? 100);
      json(res, 200, { receipts: chain.filter((x) => (x['seq'] as number) > after).slice(0, limit) });
    });
    const c = client();
    expect(await c.receipts({ tenant_id: 'demo', after_seq: 2, limit: 3 })).toHaveLength(3);
    const good = await c.verifyChain('demo', { page_size: 3 });
    expect(good).toMatchObject({ ok: true, verified: 7 });
    expect(seenOn('GET /receipts').length).toBe(1 + 3 + 1);

    chain[4]!['worker_id'] = 'wrk.evil';
    const bad = await c.verifyChain('demo', { page_size: 3 });
    expect(bad).toMatchObject({ ok: false, verified: 4, broken_at_seq: 5, code: 'RECEIPT_HASH_MISMATCH' });
    await expect(c.receipts({ tenant_id: 'demo', after_seq: 3, limit: 3 })).rejects.toBeInstanceOf(HallReceiptError);
  });

  it('names the seq missing where a chain was cut', async () => {
    const chain = await chainForTest('demo', 5, key);
    chain.splice(2, 1); // seq 3 removed: seq 4 follows seq 2
    hall.on('GET /receipts', (_r, res) => json(res, 200, { receipts: chain.filter((x) => (x['seq'] as number) > Number(_r.query.get('after_seq'))) }));
    const verdict = await client().verifyChain('demo');
    expect(verdict).toMatchObject({ ok: false, broken_at_seq: 3, code: 'RECEIPT_CHAIN_GAP' });
  });
});

describe('approvals', () => {
  it("lists pending approvals and resolves one with the approver's token", async () => {
    hall.on('GET /wcp/approvals/pending', (_r, res) => json(res, 200, { approvals: [{ approval_id: 'ap-1', supervisor_level: 'L2' }] }));
    hall.on('POST /wcp/approvals/ap-1/resolve', (r, res) => json(res, 200, { approval_id: 'ap-1', status: JSON.parse(r.body.toString()).decision === 'approve' ? 'approved' : 'x' }));
    const c = client();
    expect(await c.approvals.pending()).toEqual([{ approval_id: 'ap-1', supervisor_level: 'L2' }]);
    expect(await c.approvals.resolve('ap-1', 'approve', { token: 'approver-token', reason: 'checked' })).toMatchObject({ status: 'approved' });
    const post = seenOn('POST /wcp/approvals/ap-1/resolve')[0]!;
    expect(post.headers.authorization).toBe('Bearer approver-token');
    expect(JSON.parse(post.body.toString())).toEqual({ decision: 'approve', reason: 'checked' });
  });
});

describe('attest uploads', () => {
  it('streams a ReadableStream body (chunked, no Content-Length) without reading it up front', async () => {
    hall.on('POST /attest/hash', (r, res) => json(res, 200, { bytes: r.bytes, chunked: r.chunked }));
    const chunk = new Uint8Array(64 * 1024).fill(7);
    let pulled = 0;
    const total = 80; // 5 MiB
    const stream = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (pulled++ < total) ctrl.enqueue(chunk);
        else ctrl.close();
      },
    });
    const out = await client().attest.hash(stream, { contentType: 'application/gzip' });
    expect(out).toEqual({ bytes: total * chunk.length, chunked: true });
    const seen = seenOn('POST /attest/hash')[0]!;
    expect(seen.headers['content-length']).toBeUndefined();
    expect(seen.headers['content-type']).toBe('application/gzip');
  });

  it('sends a Blob or File with its own type and length, and passes verify parameters', async () => {
    hall.on('POST /attest/verify', (r, res) =>
      json(res, 422, { ok: false, deny_code: 'ATTEST_HASH_MISMATCH', worker_id: r.query.get('worker_id'), species: r.query.get('species') }),
    );
    const file = new File([new Uint8Array(1000)], 'pkg.tgz', { type: 'application/gzip' });
    const out = await client().attest.verify(file, { worker_id: 'org.demo.summarizer', species: 'wrk.doc.summarizer' });
    expect(out).toEqual({ ok: false, deny_code: 'ATTEST_HASH_MISMATCH', worker_id: 'org.demo.summarizer', species: 'wrk.doc.summarizer' });
    const seen = seenOn('POST /attest/verify')[0]!;
    expect(seen.headers['content-length']).toBe('1000');
    expect(seen.headers['content-type']).toBe('application/gzip');

    // A 422 that is not a verdict (an unreadable archive) is an error, not a verdict.
    hall.on('POST /attest/verify', (_r, res) => problem(res, 422, 'TAR_GZIP_INVALID', 'The upload is not a valid gzip stream.'));
    const err = (await client().attest.verify(new Blob(['nope']), { worker_id: 'org.demo.s', species: 'wrk.s' }).catch((e) => e)) as HallApiError;
    expect([err.status, err.code]).toEqual([422, 'TAR_GZIP_INVALID']);
  });
});

describe('discovery and enrollment', () => {
  it('reads health, capabilities and workers, and enrolls a record with its signature', async () => {
    hall.on('GET /wcp/health', (_r, res) => json(res, 200, { status: 'ok' }));
    hall.on('GET /wcp/capabilities', (_r, res) => json(res, 200, { capabilities: ['cap.doc.summarize'] }));
    hall.on('GET /wcp/workers', (_r, res) => json(res, 200, { workers: [] }));
    hall.on('POST /enroll', (r, res) => json(res, 201, { enrolled: true, enrollment_id: 'e1', worker_id: JSON.parse(r.body.toString()).worker_id, artifact_hash_verified: true, enrolled_at: 'now' }));
    const c = client();
    expect(await c.health()).toEqual({ status: 'ok' });
    expect(await c.capabilities()).toEqual({ capabilities: ['cap.doc.summarize'] });
    expect(await c.workers()).toEqual({ workers: [] });
    const record = { worker_id: 'org.demo.w', worker_species_id: 'wrk.doc.summarizer', capabilities: ['cap.doc.summarize'] };
    const out = await c.enroll(record, { signer: { kid: key.kid, sign: (m) => key.signer.sign(m) } });
    expect(out).toMatchObject({ enrolled: true, worker_id: 'org.demo.w' });
    const sent = JSON.parse(seenOn('POST /enroll')[0]!.body.toString());
    // pyhall's rule: sha256 of the record without artifact_hash as sorted compact JSON.
    const preimage = '{"capabilities":["cap.doc.summarize"],"worker_id":"org.demo.w","worker_species_id":"wrk.doc.summarizer"}';
    expect(sent.artifact_hash).toBe(`sha256:${createHash('sha256').update(preimage).digest('hex')}`);
    expect(sent.signing_key_id).toBe(key.kid);
    // The signature covers the enrollment statement (worker id, artifact_hash, signed_at), not the bare hash.
    expect(sent.signed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const statement = `edgehall-enrollment-v1\norg.demo.w\n${sent.artifact_hash}\n${sent.signed_at}\n`;
    expect(await ed25519Verify(key.publicKey, new TextEncoder().encode(statement), fromBase64Url(sent.signature))).toBe(true);
    expect(await ed25519Verify(key.publicKey, new TextEncoder().encode(sent.artifact_hash), fromBase64Url(sent.signature))).toBe(false);
    expect(seenOn('GET /wcp/health')[0]!.headers.authorization).toBeUndefined();
    expect(seenOn('GET /wcp/workers')[0]!.headers.authorization).toBe('Bearer tenant-token');
  });

  it('accepts a token function (short-lived tokens) and an injected fetch', async () => {
    hall.on('GET /wcp/workers', (_r, res) => json(res, 200, { workers: [] }));
    const urls: string[] = [];
    const c = new HallClient({
      baseUrl: hall.url,
      token: async () => 'fresh-token',
      fetch: (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      },
    });
    await c.workers();
    expect(urls).toEqual([`${hall.url}/wcp/workers`]);
    expect(seenOn('GET /wcp/workers')[0]!.headers.authorization).toBe('Bearer fresh-token');
  });
});
