// GET /openapi.json, generated from the route table and its zod schemas (zod v4's toJSONSchema),
// so the published API cannot drift from what the handlers validate.
import { z } from 'zod';
import type { RouteSpec } from './routes/index.js';

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const s = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete s['$schema'];
  return s;
}

const PROBLEM = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', description: 'Stable machine-readable error code.' },
    detail: { type: 'string', description: 'What went wrong and what to do.' },
    issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'array' }, message: { type: 'string' } } } },
  },
};

const STATUS_TEXT: Record<number, string> = {
  201: 'Created',
  400: 'Invalid input (every problem listed)',
  401: 'Missing or invalid bearer token',
  403: 'Token not allowed for this tenant, namespace or route',
  404: 'Not found (or not visible to this token)',
  409: 'Conflict',
  410: 'Expired',
  413: 'Body too large',
  422: 'Refused (rules/policy invalid, archive rejected or not verified)',
  503: 'A store or the signing key is unavailable; nothing was allowed',
};

export function openApiDocument(routes: readonly RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const oaPath = r.path.replace(/:([a-z_]+)/g, '{$1}');
    const params: Record<string, unknown>[] = [...r.path.matchAll(/:([a-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (r.doc.query) {
      const qs = jsonSchema(r.doc.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(qs.properties ?? {})) {
        params.push({ name, in: 'query', required: (qs.required ?? []).includes(name) && !('default' in (schema as object)), schema });
      }
    }
    const responses: Record<string, unknown> = {
      200: r.doc.responseType
        ? { description: 'OK', content: { [r.doc.responseType]: { schema: { type: 'string' } } } }
        : { description: 'OK', content: { 'application/json': { schema: r.doc.response ? jsonSchema(r.doc.response) : { type: 'object' } } } },
    };
    const statuses = new Set<number>(r.doc.statuses ?? []);
    if (r.doc.auth !== 'public') [401, 403].forEach((s) => statuses.add(s));
    if (r.doc.body || r.doc.query) statuses.add(400);
    if (r.method !== 'GET' || r.doc.auth !== 'public') statuses.add(503);
    for (const s of [...statuses].sort()) {
      responses[s] = s === 304
        ? { description: 'Not Modified (If-None-Match names the current ETag)' }
        : s === 201
        ? { description: STATUS_TEXT[201], content: { 'application/json': { schema: { type: 'object' } } } }
        : { description: STATUS_TEXT[s] ?? 'Error', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    }
    const op: Record<string, unknown> = {
      summary: r.doc.summary,
      operationId: `${r.method.toLowerCase()}${oaPath.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      'x-edgehall-auth': r.doc.auth,
      parameters: params,
      responses,
    };
    if (r.doc.auth !== 'public') op['security'] = [{ bearer: [] }];
    if (r.doc.body === 'archive') {
      op['requestBody'] = { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } }, 'application/gzip': { schema: { type: 'string', format: 'binary' } } } };
    } else if (r.doc.body) {
      op['requestBody'] = { required: true, content: { 'application/json': { schema: jsonSchema(r.doc.body) } } };
    }
    (paths[oaPath] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'edgehall — the WCP Hall at the edge',
      version: '0.1.0',
      description: 'Governed dispatch for AI workers: routing decisions with signed, chained evidence receipts, human approvals, enrollment and package attestation. Errors are application/problem+json with a stable `code`.',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Tenant, approver or admin token.' } },
      schemas: { Problem: PROBLEM },
    },
  };
}
