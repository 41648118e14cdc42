// 200 concurrent /route calls of one tenant: 200 receipts, seq 1..200, one valid chain.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/receipts/index.js';
import { ADMIN, addTenant, call, json, routeInput, seedKv, settleIndex } from './helpers.js';

beforeAll(async () => {
  await seedKv();
  await addTenant('chain-tenant', 'chain-tenant-token-0123456789abcdef');
  for (const t of MULTI) await addTenant(t, `${t}-token-0123456789abcdef`);
});

// Concurrent calls of different tenants go to their own logs (one Durable Object each): each
// tenant must get its own gap-free, verifiable chain, and the D1 index every decision once.
const MULTI = ['mt-a', 'mt-b', 'mt-c', 'mt-d'];

describe('receipt chain under concurrency', () => {
  it('200 concurrent calls give seq 1..200 and a chain that verifies', async () => {
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        call('/route', {
          method: 'POST',
          token: 'chain-tenant-token-0123456789abcdef',
          // every 7th request is denied (unknown capability): denials are chained too
          json: routeInput({ tenant_id: 'chain-tenant', ...(i % 7 === 0 ? { capability_id: 'cap.unknown.thing' } : {}) }),
        }),
      ),
    );
    const bodies = await Promise.all(responses.map((r) => json(r)));
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(200));
    const seqs = bodies.map((b) => b.receipt.seq as number).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));

    const page = await json(await call('/receipts?tenant_id=chain-tenant&after_seq=0&limit=1000', { token: ADMIN }));
    expect(page.receipts).toHaveLength(200);
    const jwks = await json(await call('/.well-known/wcp-keys.json'));
    expect(await verifyChain(page.receipts, jwks)).toMatchObject({ ok: true, verified: 200 });

    await settleIndex('chain-tenant');
    const count = await env.HALL_DB.prepare("SELECT COUNT(*) AS n FROM decisions WHERE tenant_id = 'chain-tenant'").first<{ n: number }>();
    expect(count?.n).toBe(200);
  });

  it('interleaved concurrent calls of four tenants give each tenant its own chain 1..50', async () => {
    const order = Array.from({ length: 200 }, (_, i) => MULTI[(i * 7) % MULTI.length]!);
    const responses = await Promise.all(
      order.map((t) => call('/route', { method: 'POST', token: `${t}-token-0123456789abcdef`, json: routeInput({ tenant_id: t }) })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(200));
    const bodies = await Promise.all(responses.map((r) => json(r)));
    const jwks = await json(await call('/.well-known/wcp-keys.json'));
    for (const t of MULTI) {
      const mine = bodies.filter((b) => b.receipt.tenant_id === t).map((b) => b.receipt.seq as number).sort((a, b) => a - b);
      expect(mine).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      const page = await json(await call(`/receipts?tenant_id=${t}&after_seq=0&limit=1000`, { token: ADMIN }));
      expect(await verifyChain(page.receipts, jwks)).toMatchObject({ ok: true, verified: 50 });
      await settleIndex(t);
      const count = await env.HALL_DB.prepare('SELECT COUNT(*) AS n FROM decisions WHERE tenant_id = ?').bind(t).first<{ n: number }>();
      expect(count?.n).toBe(50);
    }
  });
});
