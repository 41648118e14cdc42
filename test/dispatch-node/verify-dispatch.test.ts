// verifyDispatch: every execution re-verifies. Each refusal case is the attack it names — a forged
// receipt, a replay, a stale or future one, another worker's, a DENY, a dry run, arguments changed
// after the decision — and one genuine dispatch is accepted.
import { describe, expect, it } from 'vitest';
import {
  DISPATCH_ENVELOPE_VERSION,
  MemorySeenSet,
  dispatchSecretPrefix,
  dispatchSecretProblem,
  signReceipt,
  verifyDispatch,
  verifyDispatchEnvelope,
  type DispatchSeenSet,
} from '../../src/index.js';
import { WORKER_ID, dispatchRequest, envelope, hallKey, routeInput, signedReceipt } from './fixtures.js';

const key = await hallKey();
const opts = (extra: Record<string, unknown> = {}) => ({ jwks: key.jwks, workerId: WORKER_ID, seen: new MemorySeenSet(), ...extra });

describe('verifyDispatch accepts a genuine dispatch', () => {
  it('returns the input, the arguments, the receipt and the decision id', async () => {
    const env = await envelope(key);
    const v = await verifyDispatch(dispatchRequest(env), opts());
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.arguments).toEqual({ text: 'The quick brown fox.' });
    expect(v.decisionId).toBe(env.decision_id);
    expect(v.receipt.receipt_id).toBe(env.receipt.receipt_id);
    expect(v.input).toEqual(env.route_input);
    expect(v.tool).toBe('cap.doc.summarize');
  });

  it('arguments default to {} when the request has none', async () => {
    const env = await envelope(key, routeInput({ request: {} }));
    const v = await verifyDispatchEnvelope(env, opts());
    expect(v.ok && v.arguments).toEqual({});
  });
});

describe('verifyDispatch refuses', () => {
  it('a forged receipt (signed by another key under the Hall kid)', async () => {
    const forger = await hallKey(key.kid);
    const env = await envelope(forger);
    const v = await verifyDispatch(dispatchRequest(env), opts());
    expect(v).toMatchObject({ ok: false, code: 'DISPATCH_SIGNATURE_INVALID' });
  });

  it('a receipt edited after signing (worker_id swapped in)', async () => {
    const env = await envelope(key, routeInput(), { worker_id: 'org.demo.other' });
    env.receipt = { ...env.receipt, worker_id: WORKER_ID };
    expect(await verifyDispatch(dispatchRequest(env), opts())).toMatchObject({ ok: false, code: 'DISPATCH_SIGNATURE_INVALID' });
  });

  it('a receipt signed by a key the JWKS does not hold', async () => {
    const other = await hallKey('some-other-kid');
    const env = await envelope(other);
    expect(await verifyDispatch(dispatchRequest(env), opts())).toMatchObject({ ok: false, code: 'DISPATCH_KEY_UNKNOWN' });
  });

  it('a replay of a receipt already executed', async () => {
    const env = await envelope(key);
    const o = opts();
    expect((await verifyDispatch(dispatchRequest(env), o)).ok).toBe(true);
    const again = await verifyDispatch(dispatchRequest(env), o);
    expect(again).toMatchObject({ ok: false, code: 'DISPATCH_REPLAYED' });
  });

  it('a replay through the default shared seen-set', async () => {
    const env = await envelope(key);
    const o = { jwks: key.jwks, workerId: WORKER_ID };
    expect((await verifyDispatch(dispatchRequest(env), o)).ok).toBe(true);
    expect(await verifyDispatch(dispatchRequest(env), o)).toMatchObject({ ok: false, code: 'DISPATCH_REPLAYED' });
  });

  it('a replay refused by an atomic store whose add answers false', async () => {
    const ids = new Set<string>();
    const atomic: DispatchSeenSet = { has: () => false, add: (id) => (ids.has(id) ? false : (ids.add(id), true)) };
    const env = await envelope(key);
    expect((await verifyDispatch(dispatchRequest(env), opts({ seen: atomic }))).ok).toBe(true);
    expect(await verifyDispatch(dispatchRequest(env), opts({ seen: atomic }))).toMatchObject({ ok: false, code: 'DISPATCH_REPLAYED' });
  });

  it('a stale receipt (older than maxAgeMs), and one from the future', async () => {
    const old = await envelope(key, routeInput(), { dispatched_at: new Date(Date.now() - 61_000).toISOString() });
    expect(await verifyDispatch(dispatchRequest(old), opts())).toMatchObject({ ok: false, code: 'DISPATCH_STALE' });
    const future = await envelope(key, routeInput(), { dispatched_at: new Date(Date.now() + 30_000).toISOString() });
    expect(await verifyDispatch(dispatchRequest(future), opts())).toMatchObject({ ok: false, code: 'DISPATCH_STALE' });
    // A custom window accepts the old one.
    expect((await verifyDispatch(dispatchRequest(old), opts({ maxAgeMs: 120_000 }))).ok).toBe(true);
  });

  it('a receipt issued for another worker', async () => {
    const env = await envelope(key, routeInput(), { worker_id: 'org.demo.doc-chunker' });
    expect(await verifyDispatch(dispatchRequest(env), opts())).toMatchObject({ ok: false, code: 'DISPATCH_WRONG_WORKER' });
  });

  it('a DENY receipt and a REQUIRE_HUMAN receipt', async () => {
    const deny = await envelope(key, routeInput(), { policy_decision: 'DENY', deny_code: 'DENY_NO_MATCHING_RULE', worker_id: null });
    expect(await verifyDispatch(dispatchRequest(deny), opts())).toMatchObject({ ok: false, code: 'DISPATCH_NOT_ALLOWED' });
    const human = await envelope(key, routeInput(), { policy_decision: 'REQUIRE_HUMAN', deny_code: 'DENY_REQUIRES_HUMAN_APPROVAL' });
    expect(await verifyDispatch(dispatchRequest(human), opts())).toMatchObject({ ok: false, code: 'DISPATCH_NOT_ALLOWED' });
  });

  it('a dry-run receipt', async () => {
    const env = await envelope(key, routeInput({ dry_run: true }));
    expect(await verifyDispatch(dispatchRequest(env), opts())).toMatchObject({ ok: false, code: 'DISPATCH_DRY_RUN' });
  });

  it('a receipt without dry_run (pre-v0.2: whether it was a rehearsal is unknown)', async () => {
    const input = routeInput();
    const env = await envelope(key, input);
    const { receipt_hash: _h, signature: _s, dry_run: _d, ...legacy } = env.receipt;
    env.receipt = await signReceipt(legacy as never, key.signer);
    expect(await verifyDispatch(dispatchRequest(env), opts())).toMatchObject({ ok: false, code: 'DISPATCH_DRY_RUN' });
  });

  it('tampered arguments (artifact_hash no longer matches)', async () => {
    const env = await envelope(key);
    env.route_input.request = { arguments: { text: 'rm -rf /' } };
    expect(await verifyDispatch(dispatchRequest(env), opts())).toMatchObject({ ok: false, code: 'DISPATCH_ARTIFACT_MISMATCH' });
  });

  it('a tampered Hall-held fact (tenant_risk lowered)', async () => {
    const env = await envelope(key, routeInput({ tenant_risk: 'high' }));
    env.route_input.tenant_risk = 'low';
    expect(await verifyDispatch(dispatchRequest(env), opts())).toMatchObject({ ok: false, code: 'DISPATCH_ARTIFACT_MISMATCH' });
  });

  it('an envelope whose decision, tool or tenant differs from the receipt', async () => {
    const a = await envelope(key);
    a.decision_id = 'another-decision';
    expect(await verifyDispatchEnvelope(a, opts())).toMatchObject({ ok: false, code: 'DISPATCH_ENVELOPE_MISMATCH' });
    const b = await envelope(key);
    b.tool = 'cap.doc.delete';
    expect(await verifyDispatchEnvelope(b, opts())).toMatchObject({ ok: false, code: 'DISPATCH_ENVELOPE_MISMATCH' });
    const input = routeInput();
    const c = await envelope(key, input);
    c.route_input = { ...input, tenant_id: 'acme' };
    expect(await verifyDispatchEnvelope(c, opts())).toMatchObject({ ok: false, code: 'DISPATCH_ENVELOPE_MISMATCH' });
  });

  it('headers that do not match the body, or are missing', async () => {
    const env = await envelope(key);
    expect(await verifyDispatch(dispatchRequest(env, { 'x-wcp-decision-id': 'nope' }), opts())).toMatchObject({ ok: false, code: 'DISPATCH_ENVELOPE_MISMATCH' });
    const bare = new Request('https://worker.test/', { method: 'POST', body: JSON.stringify(env) });
    expect(await verifyDispatch(bare, opts())).toMatchObject({ ok: false, code: 'DISPATCH_MALFORMED' });
  });

  it('malformed envelopes: unknown key, wrong version, missing route_input field, not JSON, GET, too large', async () => {
    const env = await envelope(key);
    const cases: unknown[] = [
      { ...env, extra: 1 },
      { ...env, wcp_dispatch: 'edgehall-dispatch-v0' },
      { ...env, route_input: { ...env.route_input, tenant_credential: undefined } },
      { ...env, route_input: { ...env.route_input, surprise: true } },
    ];
    for (const c of cases) expect(await verifyDispatchEnvelope(c, opts())).toMatchObject({ ok: false, code: 'DISPATCH_MALFORMED' });
    const notJson = new Request('https://w.test/', { method: 'POST', headers: { 'x-wcp-decision-id': 'a', 'x-wcp-receipt-id': 'b' }, body: '{nope' });
    expect(await verifyDispatch(notJson, opts())).toMatchObject({ ok: false, code: 'DISPATCH_MALFORMED' });
    expect(await verifyDispatch(new Request('https://w.test/'), opts())).toMatchObject({ ok: false, code: 'DISPATCH_MALFORMED' });
    expect(await verifyDispatch(dispatchRequest(env), opts({ maxBytes: 100 }))).toMatchObject({ ok: false, code: 'DISPATCH_MALFORMED' });
    expect(env.wcp_dispatch).toBe(DISPATCH_ENVELOPE_VERSION);
  });

  it('an unusable key set', async () => {
    const env = await envelope(key);
    expect(await verifyDispatch(dispatchRequest(env), opts({ jwks: { nope: [] } }))).toMatchObject({ ok: false, code: 'DISPATCH_KEYS_INVALID' });
  });

  it('when the replay cache is full of live receipts (fails closed, never forgets one)', async () => {
    const seen = new MemorySeenSet(1);
    expect((await verifyDispatch(dispatchRequest(await envelope(key)), opts({ seen }))).ok).toBe(true);
    expect(await verifyDispatch(dispatchRequest(await envelope(key)), opts({ seen }))).toMatchObject({ ok: false, code: 'DISPATCH_REPLAY_CACHE_FULL' });
  });

  it('a receipt whose artifact_hash is null', async () => {
    const input = routeInput();
    const receipt = await signedReceipt(key, input, { artifact_hash: null });
    const env = { wcp_dispatch: DISPATCH_ENVELOPE_VERSION, tool: input.capability_id, route_input: input, decision_id: receipt.decision_id, receipt };
    expect(await verifyDispatchEnvelope(env, opts())).toMatchObject({ ok: false, code: 'DISPATCH_ARTIFACT_MISMATCH' });
  });
});

describe('MemorySeenSet', () => {
  it('forgets entries after their expiry and then has room again', () => {
    let t = 1000;
    const s = new MemorySeenSet(2, () => t);
    expect(s.add('a', 1500)).toBe(true);
    expect(s.add('a', 1500)).toBe(false);
    expect(s.add('b', 1500)).toBe(true);
    expect(() => s.add('c', 1500)).toThrow(/replay cache/);
    t = 2000;
    expect(s.has('a')).toBe(false);
    expect(s.add('c', 2500)).toBe(true);
  });
});

describe('dispatch secret names are scoped to one namespace', () => {
  it('maps namespaces one-to-one', () => {
    expect(dispatchSecretPrefix('org.demo')).toBe('DISPATCH_ORG_DEMO__');
    expect(dispatchSecretPrefix('x.acme-labs')).toBe('DISPATCH_X_ACME_LABS__');
  });

  it('accepts its own names and refuses every other namespace\'s and the Hall\'s', () => {
    expect(dispatchSecretProblem('DISPATCH_ORG_DEMO__API_KEY', 'org.demo')).toBeNull();
    expect(dispatchSecretProblem('DISPATCH_ORG_ACME__API_KEY', 'org.demo')).toMatch(/not a secret of org.demo/);
    expect(dispatchSecretProblem('HALL_SIGNING_KEY', 'org.demo')).toMatch(/not a secret of org.demo/);
    expect(dispatchSecretProblem('DISPATCH_ORG_DEMO__', 'org.demo')).not.toBeNull();
  });

  it('no name belongs to two namespaces, even with hyphens and trailing hyphens', () => {
    // org.a's prefix is a prefix of org.a-b's and org.a-'s: the longer namespaces' secrets stay theirs.
    expect(dispatchSecretProblem('DISPATCH_ORG_A_B__KEY', 'org.a-b')).toBeNull();
    expect(dispatchSecretProblem('DISPATCH_ORG_A_B__KEY', 'org.a')).not.toBeNull();
    expect(dispatchSecretProblem('DISPATCH_ORG_A___KEY', 'org.a-')).toBeNull();
    expect(dispatchSecretProblem('DISPATCH_ORG_A___KEY', 'org.a')).not.toBeNull();
    expect(dispatchSecretProblem('DISPATCH_ORG_A__B__KEY', 'org.a--b')).toBeNull();
    expect(dispatchSecretProblem('DISPATCH_ORG_A__B__KEY', 'org.a')).not.toBeNull();
    // Exhaustive over small namespaces: every accepted (name, ns) pair has exactly one ns.
    const names = ['a', 'b', 'a-', 'a-b', 'a--b', 'ab', 'a-b-', 'x'];
    const nss = names.flatMap((n) => [`org.${n}`, `x.${n}`]);
    const secrets = nss.flatMap((ns) => ['K', 'B__K', '_K', 'B_K', 'K_'].map((s) => dispatchSecretPrefix(ns) + s));
    for (const s of secrets) expect(nss.filter((ns) => dispatchSecretProblem(s, ns) === null).length).toBeLessThanOrEqual(1);
  });
});
