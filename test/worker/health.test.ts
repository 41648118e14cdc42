import { beforeAll, describe, expect, it } from 'vitest';
import { call, json, seedKv } from './helpers.js';

beforeAll(seedKv);

describe('GET /wcp/health', () => {
  it('reports ok with the seed loaded', async () => {
    const res = await call('/wcp/health');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ status: 'ok', wcp_version: '0.1', signing: 'ok', problems: [] });
    expect(body.rules_version).toMatch(/^rv-[0-9a-f]{16}$/);
    expect(body.workers_enrolled).toBe(6);
  });
  it('answers 404 problem+json for unknown paths', async () => {
    const res = await call('/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await json(res)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
  it('answers 405 with Allow for a known path and the wrong method', async () => {
    const res = await call('/route', { method: 'GET' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});
