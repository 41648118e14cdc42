// 200 concurrent /route calls of one tenant: 200 receipts, seq 1..200, one valid chain.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/receipts/index.js';
import { ADMIN, addTenant, call, json, routeInput, seedKv } from './helpers.js';

beforeAll(async () => {
  await seedKv();
  await addTenant('chain-tenant', 'chain-tenant-token-0123456789abcdef');
});

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

    const count = await env.HALL_DB.prepare("SELECT COUNT(*) AS n FROM decisions WHERE tenant_id = 'chain-tenant'").first<{ n: number }>();
    expect(count?.n).toBe(200);
  });
});
