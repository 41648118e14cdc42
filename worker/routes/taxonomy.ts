// GET /wcp/taxonomy (public): the WCP taxonomy catalog edgehall ships (src/taxonomy/catalog.json,
// provenance in WCP_TAXONOMY_SOURCE), server-side search (?q=words&limit=N&match=all|any) and one
// entity with its links (?id=). The whole catalog is the catalog document itself. Answers are static data: cacheable, with an ETag (SHA-256 of the
// body) and 304 for a matching If-None-Match.
import { z } from 'zod';
import { wcpTaxonomy, WCP_TAXONOMY_SOURCE } from '../../src/taxonomy/catalog.js';
import { explainTaxonomy, searchTaxonomy, suggestTaxonomyIds } from '../../src/taxonomy/index.js';
import type { RequestContext } from '../context.js';
import { parseWith, queryObject } from '../http/body.js';
import { HallHttpError } from '../http/problem.js';

export const TaxonomyQuerySchema = z
  .object({
    q: z.string().min(1).max(1000).optional(),
    id: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    match: z.enum(['all', 'any']).optional(),
  })
  .strict();

export const TAXONOMY_CACHE_CONTROL = 'public, max-age=3600';

const hex = (bytes: ArrayBuffer): string => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/** `"<sha256 of the body>"`: a strong validator, the same on every isolate. */
export async function bodyEtag(text: string): Promise<string> {
  return `"${hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))}"`;
}

/** True when If-None-Match names this ETag (or is `*`). */
export function notModified(request: Request, etag: string): boolean {
  const header = request.headers.get('if-none-match');
  if (!header) return false;
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*');
}

/** A cacheable answer: 304 without a body when the client already holds it. */
export function cacheableResponse(request: Request, body: string, etag: string, headers: Record<string, string>): Response {
  const h = new Headers({ ...headers, etag });
  if (notModified(request, etag)) return new Response(null, { status: 304, headers: h });
  return new Response(body, { status: 200, headers: h });
}

// The catalog's provenance and licence travel with every answer (WCP_TAXONOMY_SOURCE is ASCII).
const JSON_HEADERS = {
  'content-type': 'application/json',
  'cache-control': TAXONOMY_CACHE_CONTROL,
  'access-control-allow-origin': '*',
  'wcp-taxonomy-source': WCP_TAXONOMY_SOURCE,
};

let full: Promise<{ text: string; etag: string }> | undefined;

function fullCatalog(): Promise<{ text: string; etag: string }> {
  full ??= (async () => {
    // Exactly the catalog document, so a client can check it with TaxonomyCatalogSchema.
    const text = JSON.stringify(wcpTaxonomy());
    return { text, etag: await bodyEtag(text) };
  })();
  return full;
}

export async function getTaxonomy(ctx: RequestContext): Promise<Response> {
  const q = parseWith(TaxonomyQuerySchema, queryObject(ctx.url), 'The query', 'INVALID_QUERY');
  if (q.q !== undefined && q.id !== undefined) {
    throw new HallHttpError(400, 'INVALID_QUERY', 'Send either q (search words) or id (one entity), not both.');
  }
  if (q.q === undefined && (q.limit !== undefined || q.match !== undefined)) {
    throw new HallHttpError(400, 'INVALID_QUERY', 'limit and match apply to a search: add q=<words>, or drop them to get the whole catalog.');
  }
  const catalog = wcpTaxonomy();
  if (q.id !== undefined) {
    const found = explainTaxonomy(catalog, q.id);
    if (!found) {
      const suggestions = suggestTaxonomyIds(catalog, q.id);
      const hint = suggestions.length ? ` Did you mean ${suggestions.join(', ')}?` : '';
      throw new HallHttpError(404, 'TAXONOMY_ID_UNKNOWN', `No WCP taxonomy entity has the id "${q.id.slice(0, 200)}".${hint} Search with GET /wcp/taxonomy?q=<words>.`, { suggestions });
    }
    const text = JSON.stringify({
      version: catalog._meta.version,
      entity: found.entity,
      links: found.links.map((r) => ({ field: r.field, id: r.entity.id })),
      referenced_by: found.referenced_by.map((r) => ({ field: r.field, id: r.entity.id })),
    });
    return cacheableResponse(ctx.request, text, await bodyEtag(text), JSON_HEADERS);
  }
  if (q.q !== undefined) {
    const results = searchTaxonomy(catalog, q.q, { limit: q.limit ?? 20, match: q.match ?? 'all' });
    const text = JSON.stringify({ version: catalog._meta.version, query: q.q, match: q.match ?? 'all', count: results.length, results });
    return cacheableResponse(ctx.request, text, await bodyEtag(text), JSON_HEADERS);
  }
  const { text, etag } = await fullCatalog();
  return cacheableResponse(ctx.request, text, etag, JSON_HEADERS);
}
