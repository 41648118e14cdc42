// Outcome records: built, signed and verified like receipts; a changed field, a foreign key or a
// record of another decision is refused with its code.
import { describe, expect, it } from 'vitest';
import { buildOutcome, canonicalJson, hashOutcome, sha256Hex, signOutcome, utf8, verifyOutcome, type OutcomeFields } from '../../src/index.js';
import { hallKey, routeInput, signedReceipt } from './fixtures.js';

const key = await hallKey();
const receipt = await signedReceipt(key, routeInput());

function fields(overrides: Partial<OutcomeFields> = {}): OutcomeFields {
  return {
    decision_id: receipt.decision_id,
    receipt_id: receipt.receipt_id,
    receipt_hash: receipt.receipt_hash,
    tenant_id: receipt.tenant_id,
    worker_id: receipt.worker_id,
    capability_id: receipt.capability_id,
    target_kind: 'https',
    status: 'ok',
    error_code: null,
    http_status: 200,
    duration_ms: 12,
    result_sha256: sha256Hex(utf8('{"content":[]}')),
    result_is_error: false,
    signing_key_id: key.kid,
    ...overrides,
  };
}

describe('outcome records', () => {
  it('verify, and are linked to their receipt', async () => {
    const o = await signOutcome(buildOutcome(fields()), key.signer);
    expect(o.outcome_version).toBe('edgehall.outcome.v1');
    expect(await verifyOutcome(o, key.jwks, { receipt })).toEqual({ ok: true });
  });

  it('outcome_hash is SHA-256 of the JCS record without outcome_hash and signature', async () => {
    const o = await signOutcome(buildOutcome(fields()), key.signer);
    const { outcome_hash, signature: _s, ...body } = o;
    expect(outcome_hash).toBe(sha256Hex(utf8(canonicalJson(body))));
    expect(hashOutcome(o)).toBe(outcome_hash);
  });

  it('refuse a changed field, an unknown key, a foreign signer and another decision\'s receipt', async () => {
    const o = await signOutcome(buildOutcome(fields()), key.signer);
    expect(await verifyOutcome({ ...o, status: 'failed', error_code: 'DISPATCH_TIMEOUT', result_is_error: null }, key.jwks)).toMatchObject({ ok: false, code: 'OUTCOME_HASH_MISMATCH' });
    expect(await verifyOutcome({ ...o, extra: 1 }, key.jwks)).toMatchObject({ ok: false, code: 'OUTCOME_SCHEMA_INVALID' });
    const forger = await hallKey(key.kid);
    const forged = await signOutcome(buildOutcome(fields()), forger.signer);
    expect(await verifyOutcome(forged, key.jwks)).toMatchObject({ ok: false, code: 'OUTCOME_SIGNATURE_INVALID' });
    expect(await verifyOutcome(o, (await hallKey('other')).jwks)).toMatchObject({ ok: false, code: 'OUTCOME_KEY_UNKNOWN' });
    const other = await signedReceipt(key, routeInput());
    expect(await verifyOutcome(o, key.jwks, { receipt: other })).toMatchObject({ ok: false, code: 'OUTCOME_RECEIPT_MISMATCH' });
    expect(await verifyOutcome(o, 'nope')).toMatchObject({ ok: false, code: 'OUTCOME_KEYS_INVALID' });
  });

  it('are consistent: ok has a result and no error code; failed has an error code', () => {
    expect(() => buildOutcome(fields({ status: 'ok', error_code: 'DISPATCH_TIMEOUT' }))).toThrow(/status/);
    expect(() => buildOutcome(fields({ status: 'failed', error_code: null, result_is_error: null }))).toThrow(/status/);
    expect(() => buildOutcome(fields({ status: 'failed', error_code: 'NOT_A_DISPATCH_CODE', result_is_error: null }))).toThrow(/error_code/);
    const failed = buildOutcome(fields({ status: 'failed', error_code: 'DISPATCH_BAD_RESPONSE', result_is_error: null, http_status: 200 }));
    expect(failed.result_sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
