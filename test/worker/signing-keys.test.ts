// Signing-key rotation: kids are unique per key. A new HALL_SIGNING_KEY whose JWK carries a kid
// already recorded for a different public key used to be silently ignored by INSERT OR IGNORE:
// the Hall signed with the new key under the old kid, the key set served one of the two keys under
// it, and the other key's receipts stopped verifying. Now the Hall refuses to sign with it.
import { createExecutionContext, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { ed25519JwkThumbprint, importEd25519PrivateJwk } from '../../src/crypto/index.js';
import { verifyReceipt } from '../../src/receipts/index.js';
import { createHallWorker } from '../../worker/index.js';
import { addTenant, call, json, routeInput, seedKv, setLogEnv, settleIndex } from './helpers.js';

const T = 'signing-keys-tenant-token-0123456789abcdef';
const MAIN = JSON.parse(env.HALL_SIGNING_KEY) as Record<string, unknown>;
const SECOND = JSON.parse(env.TEST_SECOND_SIGNING_KEY) as Record<string, unknown>;

function routeRequest(): Request {
  return new Request('http://hall.test/route', {
    method: 'POST',
    headers: { authorization: `Bearer ${T}`, 'content-type': 'application/json' },
    body: JSON.stringify(routeInput({ tenant_id: 'sk' })),
  });
}

async function keysOf(worker: ReturnType<typeof createHallWorker>, signingKey: string): Promise<{ keys: Record<string, string>[] }> {
  return json(await worker.fetch(new Request('http://hall.test/.well-known/wcp-keys.json'), { ...env, HALL_SIGNING_KEY: signingKey }, createExecutionContext()));
}

async function recordedRow(kid: string): Promise<{ public_jwk: string } | null> {
  return env.HALL_DB.prepare('SELECT public_jwk FROM signing_keys WHERE kid = ?1').bind(kid).first<{ public_jwk: string }>();
}

let mainKid: string;
let oldReceipt: Record<string, unknown>;

beforeAll(async () => {
  await seedKv();
  await addTenant('sk', T);
  mainKid = (await importEd25519PrivateJwk(MAIN)).kid;
  // A receipt signed by the current key: its kid is now recorded in D1.
  const res = await call('/route', { method: 'POST', token: T, json: routeInput({ tenant_id: 'sk' }) });
  expect(res.status).toBe(200);
  oldReceipt = (await json(res)).receipt;
  expect(oldReceipt.signing_key_id).toBe(mainKid);
});

describe('kids are unique per key', () => {
  it('a key without kid is named by its RFC 7638 thumbprint (existing kids stay stable)', async () => {
    expect(MAIN.kid).toBeUndefined();
    const imported = await importEd25519PrivateJwk(MAIN);
    expect(mainKid).toBe(ed25519JwkThumbprint(imported.publicKey));
    const row = await recordedRow(mainKid);
    expect(JSON.parse(row!.public_jwk)).toMatchObject({ kid: mainKid, x: MAIN.x });
  });

  it('a new key reusing a recorded kid is refused (503 HALL_SIGNING_KEY_KID_REUSED); the key set keeps the old key and old receipts verify', async () => {
    const reused = JSON.stringify({ ...SECOND, kid: mainKid });
    const rotated = createHallWorker();
    await settleIndex('sk');
    const before = await env.HALL_DB.prepare(`SELECT COUNT(*) AS n FROM receipts WHERE tenant_id = 'sk'`).first<{ n: number }>();

    for (let i = 0; i < 2; i++) {
      const res = await rotated.fetch(routeRequest(), { ...env, HALL_SIGNING_KEY: reused }, createExecutionContext());
      expect(res.status).toBe(503);
      const problem = await json(res);
      expect(problem.code).toBe('HALL_SIGNING_KEY_KID_REUSED');
      expect(problem.detail).toMatch(/own kid/);
    }
    // Nothing was decided, nothing overwritten.
    await settleIndex('sk');
    const after = await env.HALL_DB.prepare(`SELECT COUNT(*) AS n FROM receipts WHERE tenant_id = 'sk'`).first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
    expect(JSON.parse((await recordedRow(mainKid))!.public_jwk).x).toBe(MAIN.x);

    // The key set served while the reused kid is configured still names the old key by that kid.
    const jwks = await keysOf(rotated, reused);
    const named = jwks.keys.filter((k) => k.kid === mainKid);
    expect(named).toHaveLength(1);
    expect(named[0]!.x).toBe(MAIN.x);
    expect(jwks.keys.some((k) => k.x === SECOND.x && k.kid === mainKid)).toBe(false);
    expect(await verifyReceipt(oldReceipt, jwks)).toMatchObject({ ok: true });
    // Health tells the operator why the Hall refuses to decide.
    const health = await json(await rotated.fetch(new Request('http://hall.test/wcp/health'), { ...env, HALL_SIGNING_KEY: reused }, createExecutionContext()));
    expect(health).toMatchObject({ status: 'degraded', signing: 'unavailable', problems: ['HALL_SIGNING_KEY_KID_REUSED'] });
  });

  it('an isolate whose secret changes to a key reusing its kid refuses too (the per-isolate cache is per key, not per kid)', async () => {
    const worker = createHallWorker();
    const ok = await worker.fetch(routeRequest(), env, createExecutionContext());
    expect(ok.status).toBe(200);
    const res = await worker.fetch(routeRequest(), { ...env, HALL_SIGNING_KEY: JSON.stringify({ ...SECOND, kid: mainKid }) }, createExecutionContext());
    expect(res.status).toBe(503);
    expect((await json(res)).code).toBe('HALL_SIGNING_KEY_KID_REUSED');
  });

  it('the new key under its own kid signs, is listed, and both keys\' receipts verify', async () => {
    const ownKid = `sk-rotation-${crypto.randomUUID().slice(0, 8)}`;
    const rotatedKey = JSON.stringify({ ...SECOND, kid: ownKid });
    const rotated = createHallWorker();
    const rotatedEnv = { ...env, HALL_SIGNING_KEY: rotatedKey };
    // Mid-rollout the Worker may hold the new secret while the tenant's log still holds the old
    // one: the log signs only with the kid the Worker checked is in the key set, so it refuses.
    const early = await rotated.fetch(routeRequest(), rotatedEnv, createExecutionContext());
    expect(early.status).toBe(503);
    expect((await json(early)).code).toBe('HALL_SIGNING_KEY_UNAVAILABLE');
    // The secret belongs to the whole script: once the log runs with it too, it signs with the new key.
    await setLogEnv('sk', rotatedEnv);
    const res = await rotated.fetch(routeRequest(), rotatedEnv, createExecutionContext());
    expect(res.status).toBe(200);
    const { receipt } = await json(res);
    expect(receipt.signing_key_id).toBe(ownKid);
    const jwks = await keysOf(rotated, rotatedKey);
    expect(jwks.keys.find((k) => k.kid === ownKid)?.x).toBe(SECOND.x);
    expect(jwks.keys.find((k) => k.kid === mainKid)?.x).toBe(MAIN.x);
    expect(await verifyReceipt(receipt, jwks)).toMatchObject({ ok: true });
    expect(await verifyReceipt(oldReceipt, jwks)).toMatchObject({ ok: true });
  });
});
