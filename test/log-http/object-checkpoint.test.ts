// One tree head, one checkpoint: the note GET /wcp/log/{tenant}/checkpoint serves (signed by the
// Worker for the log's current head) is byte for byte the note the tenant's log object signs for
// the same head (TenantLog.latestCheckpoint), and both verify against the Hall's JWKS.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/verify.js';
import { tenantLog } from '../../worker/log/tenant-log.js';
import { addTenant, call, json, routeInput, seedKv } from '../worker/helpers.js';

const TENANT = `same-${crypto.randomUUID().slice(0, 8)}`;
const TOKEN = `tok-${TENANT}-0123456789abcdef0123`;

beforeAll(async () => {
  await seedKv();
  await addTenant(TENANT, TOKEN);
});

describe('the Worker and the log object sign the same checkpoint', () => {
  it('for every size as the log grows', async () => {
    const jwks = await json(await call('/.well-known/wcp-keys.json'));
    const log = tenantLog(env, TENANT);
    for (let n = 1; n <= 4; n++) {
      const res = await call('/route', { method: 'POST', token: TOKEN, json: routeInput({ tenant_id: TENANT }) });
      expect(res.status).toBe(200);
      const served = await (await call(`/wcp/log/${TENANT}/checkpoint`, { token: TOKEN })).text();
      const signed = await log.latestCheckpoint(n);
      expect(signed?.tree_size).toBe(n);
      expect(served).toBe(signed!.note);
      expect(await verifyCheckpoint(served, { jwks, origin: `edgehall/log/${TENANT}` })).toMatchObject({ ok: true, tree_size: n });
    }
  });
});
