// Shared helpers for the worker suite: seeding, tokens, requests against the real worker.
// Requests go straight to the worker's default export (the same module instance SELF uses, with the
// real KV and D1): SELF's service-binding hop costs tens of milliseconds per call in the test pool
// and grows with every call, which would make the 1,000-request fuzz suite take minutes.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../worker/index.js';

export const HALL = 'http://hall.test';
export const ADMIN = env.HALL_ADMIN_TOKEN;
export const DEMO = env.TEST_DEMO_TOKEN;

/** Loads kv-seed/ into KV (what `npm start` does through wrangler). */
export async function seedKv(): Promise<void> {
  for (const { key, value } of env.TEST_KV_SEED) await env.HALL_KV.put(key, value);
}

export function seedValue(key: string): unknown {
  const e = env.TEST_KV_SEED.find((x) => x.key === key);
  return e ? JSON.parse(e.value) : undefined;
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

export function call(path: string, init: RequestInit & { token?: string; json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  const { token: _t, json: _j, ...rest } = init;
  return dispatch(new Request(HALL + path, { ...rest, headers, body: body ?? null }));
}

export async function dispatch(request: Request): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request as Parameters<typeof worker.fetch>[0], env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** kv-seed/examples/route.json (allowed for tenant demo), with overrides. */
export function routeInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tenant_id: 'demo',
    capability_id: 'cap.doc.summarize',
    env: 'dev',
    data_label: 'INTERNAL',
    tenant_risk: 'low',
    qos_class: 'P2',
    correlation_id: crypto.randomUUID(),
    request: { document_id: 'doc-42' },
    ...overrides,
  };
}

export async function json<T = Record<string, any>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** Adds a tenant (and makes it a signatory) through the admin API. */
export async function addTenant(tenantId: string, token: string, namespaces: string[] = []): Promise<void> {
  const res = await call(`/admin/tenants/${tenantId}`, { method: 'PUT', token: ADMIN, json: { token, namespaces } });
  if (res.status !== 200) throw new Error(`addTenant ${tenantId}: ${res.status} ${await res.text()}`);
  const cfg = await json(await call('/admin/config', { token: ADMIN }));
  const allowed = new Set<string>(cfg.config?.allowed_tenants ?? []);
  if (!allowed.has(tenantId)) {
    allowed.add(tenantId);
    const put = await call('/admin/config', { method: 'PUT', token: ADMIN, json: { ...(cfg.config ?? {}), allowed_tenants: [...allowed] } });
    if (put.status !== 200) throw new Error(`addTenant config: ${put.status} ${await put.text()}`);
  }
}
