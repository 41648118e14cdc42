import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, json, seedKv } from './helpers.js';

beforeAll(seedKv);

describe('GET /wcp/health', () => {
  it('reports ok with the seed loaded (through the SELF entrypoint)', async () => {
    const res = await SELF.fetch('http://hall.test/wcp/health');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ status: 'ok', wcp_version: '0.1', signing: 'ok', problems: [] });
    expect(body.rules_version).toMatch(/^rv-[0-9a-f]{16}$/);
    // The seed's six, plus whatever other files of this suite (one shared workerd) enrolled.
    const listed = await json(await call('/wcp/workers?limit=1'));
    expect(body.workers_enrolled).toBe(listed.total);
    expect(body.workers_enrolled).toBeGreaterThanOrEqual(6);
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

describe('GET /openapi.json', () => {
  it('is generated from the route table and zod schemas', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = await json(res);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/route', '/enroll', '/decisions', '/receipts', '/wcp/approvals/{approval_id}/resolve', '/admin/rules', '/.well-known/wcp-keys.json']));
    const body = doc.paths['/route'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['capability_id', 'env', 'data_label', 'tenant_risk', 'qos_class', 'correlation_id']));
    // The tenant comes from the token: a tenant token may omit tenant_id (the admin token must name it).
    expect(body.required).not.toContain('tenant_id');
    expect(body.properties.tenant_id.type).toBe('string');
    expect(body.properties.env.enum).toEqual(['dev', 'stage', 'prod', 'edge']);
    expect(doc.paths['/decisions'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['tenant_id', 'denied', 'cursor', 'limit']));
  });
});
