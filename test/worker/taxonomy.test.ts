// GET /wcp/taxonomy: the shipped WCP taxonomy catalog served by the Hall, its server-side search and
// single-entity lookup, with the cache validators and the coded refusals of bad queries.
import { describe, expect, it } from 'vitest';
import { wcpTaxonomy } from '../../src/taxonomy/catalog.js';
import { TaxonomyCatalogSchema, searchTaxonomy } from '../../src/taxonomy/index.js';
import { call, json } from './helpers.js';

const sha256Hex = async (text: string): Promise<string> =>
  Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))), (b) => b.toString(16).padStart(2, '0')).join('');

describe('GET /wcp/taxonomy', () => {
  it('serves the shipped catalog, unchanged and strict-valid, publicly cacheable with an ETag of its body', async () => {
    const res = await call('/wcp/taxonomy');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('wcp-taxonomy-source')).toMatch(/pyhall.*Apache-2\.0/);
    const text = await res.text();
    expect(res.headers.get('etag')).toBe(`"${await sha256Hex(text)}"`);
    const served = TaxonomyCatalogSchema.parse(JSON.parse(text));
    expect(served).toEqual(wcpTaxonomy());
    expect(served.entities).toHaveLength(245);
  });

  it('answers 304 without a body when If-None-Match names the current ETag, 200 for a stale one', async () => {
    const etag = (await call('/wcp/taxonomy')).headers.get('etag')!;
    const same = await call('/wcp/taxonomy', { headers: { 'if-none-match': `W/"old", ${etag}` } });
    expect(same.status).toBe(304);
    expect(same.headers.get('etag')).toBe(etag);
    expect(await same.text()).toBe('');
    const stale = await call('/wcp/taxonomy', { headers: { 'if-none-match': '"0000"' } });
    expect(stale.status).toBe(200);
  });

  it('searches server-side with the SDK ranking, limit and match mode', async () => {
    const res = await call('/wcp/taxonomy?q=summarize&limit=2');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
    const body = await json(res);
    const expected = searchTaxonomy(wcpTaxonomy(), 'summarize', { limit: 2 });
    expect(body).toMatchObject({ version: '0.1.0', query: 'summarize', match: 'all', count: expected.length });
    expect(body.results).toEqual(expected);
    expect(body.results[0].id).toBe('cap.mem.summarize');

    const any = await json(await call('/wcp/taxonomy?q=summarize+zzzqqq&match=any&limit=500'));
    expect(any.results.map((e: { id: string }) => e.id)).toEqual(searchTaxonomy(wcpTaxonomy(), 'summarize zzzqqq', { match: 'any', limit: 500 }).map((e) => e.id));
    expect(any.count).toBeGreaterThan(0);
    const all = await json(await call('/wcp/taxonomy?q=summarize+zzzqqq'));
    expect(all).toMatchObject({ count: 0, results: [] });
  });

  it('returns one entity with its links and the entities that reference it', async () => {
    const res = await call('/wcp/taxonomy?id=wrk.dlq.janitor');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.entity).toEqual(wcpTaxonomy().entities.find((e) => e.id === 'wrk.dlq.janitor'));
    expect(body.links).toEqual(expect.arrayContaining([{ field: 'serves_capabilities', id: 'cap.dlq.inspect' }, { field: 'required_controls', id: 'ctrl.dlq.max-replay-attempts' }]));
    const cap = await json(await call('/wcp/taxonomy?id=cap.dlq.inspect'));
    expect(cap.referenced_by).toContainEqual({ field: 'serves_capabilities', id: 'wrk.dlq.janitor' });
  });

  it('answers 404 TAXONOMY_ID_UNKNOWN with did-you-mean ids for an unknown id (and tenant ids are never in it)', async () => {
    const res = await call('/wcp/taxonomy?id=wrk.dlq.janitr');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await json(res);
    expect(body).toMatchObject({ code: 'TAXONOMY_ID_UNKNOWN', suggestions: expect.arrayContaining(['wrk.dlq.janitor']) });
    expect(body.detail).toContain('Did you mean wrk.dlq.janitor');
    expect(await json(await call('/wcp/taxonomy?id=org.demo.summarizer'))).toMatchObject({ status: 404, code: 'TAXONOMY_ID_UNKNOWN' });
  });

  it.each([
    ['an unknown parameter', '/wcp/taxonomy?query=x', 'query'],
    ['limit 0', '/wcp/taxonomy?q=doc&limit=0', 'limit'],
    ['limit past 500', '/wcp/taxonomy?q=doc&limit=501', 'limit'],
    ['a non-numeric limit', '/wcp/taxonomy?q=doc&limit=ten', 'limit'],
    ['an unknown match mode', '/wcp/taxonomy?q=doc&match=some', 'match'],
    ['an empty q', '/wcp/taxonomy?q=', 'q'],
    ['a q over 1000 characters', `/wcp/taxonomy?q=${'a'.repeat(1001)}`, 'q'],
  ])('refuses %s with INVALID_QUERY and its path', async (_what, path, field) => {
    const res = await call(path);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.code).toBe('INVALID_QUERY');
    expect(body.issues.map((i: { path: string[] }) => i.path.join('.'))).toContain(field);
  });

  it.each([
    ['q and id together', '/wcp/taxonomy?q=doc&id=cap.doc.ocr', /either q .* or id/],
    ['limit without q', '/wcp/taxonomy?limit=5', /add q=/],
    ['a repeated q', '/wcp/taxonomy?q=doc&q=mem', /repeated/],
  ])('refuses %s with INVALID_QUERY and a sentence', async (_what, path, sentence) => {
    const res = await call(path);
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.code).toBe('INVALID_QUERY');
    expect(body.detail).toMatch(sentence);
  });

  it('is in /openapi.json with its query parameters', async () => {
    const doc = await json(await call('/openapi.json'));
    const op = doc.paths['/wcp/taxonomy'].get;
    expect(op['x-edgehall-auth']).toBe('public');
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['id', 'limit', 'match', 'q']);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '304', '400', '404']));
  });
});
