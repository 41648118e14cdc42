// Shared helpers for the worker suite: seeding, tokens, requests against the real worker.
// Requests go straight to the worker's default export (the same module instance SELF uses, with the
// real KV and D1): SELF's service-binding hop costs tens of milliseconds per call in the test pool
// and grows with every call, which would make the 1,000-request fuzz suite take minutes.
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../worker/index.js';
import { logObjectName } from '../../worker/log/tenant-log.js';

export const HALL = 'http://hall.test';
export const ADMIN = env.HALL_ADMIN_TOKEN;
export const DEMO = env.TEST_DEMO_TOKEN;

/**
 * Loads kv-seed/ into KV and its workers into the D1 registry (what `npm start` does through
 * wrangler), restoring the seed's own keys and workers; other workers and keys are left alone.
 */
export async function seedKv(): Promise<void> {
  for (const { key, value } of env.TEST_KV_SEED) await env.HALL_KV.put(key, value);
  await seedRegistry();
}

export async function seedRegistry(): Promise<void> {
  const db = env.HALL_DB;
  const at = new Date().toISOString();
  const stmts: D1PreparedStatement[] = [];
  for (const r of env.TEST_REGISTRY_SEED) {
    stmts.push(
      db.prepare('INSERT OR REPLACE INTO species_owners (worker_species_id, namespace, assigned_by, assigned_at) VALUES (?1, ?2, ?3, ?4)').bind(r.worker_species_id, r.namespace, 'kv-seed', at),
      db.prepare('DELETE FROM registry_workers WHERE worker_species_id = ?1 AND worker_id != ?2').bind(r.worker_species_id, r.worker_id),
      db
        .prepare(
          `INSERT OR REPLACE INTO registry_workers (worker_id, namespace, worker_species_id, record_json, artifact_hash, enrollment_id, enrolled_by, enrolled_at, signed_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'kv-seed', ?7, NULL)`,
        )
        .bind(r.worker_id, r.namespace, r.worker_species_id, r.record_json, r.artifact_hash, `enr_seed_${r.worker_id}`, at),
    );
  }
  stmts.push(db.prepare('UPDATE hall_meta SET generation = generation + 1, updated_at = ?1 WHERE id = 1').bind(at));
  await db.batch(stmts);
}

/** A seed value by its KV key; `worker:<id>` names a seed worker's registry record (kept in D1). */
export function seedValue(key: string): unknown {
  if (key.startsWith('worker:')) {
    const w = env.TEST_REGISTRY_SEED.find((x) => x.worker_id === key.slice('worker:'.length));
    return w ? JSON.parse(w.record_json) : undefined;
  }
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

/**
 * Waits until the D1 index holds every decision of `tenantId` (the tenant logs feed it a few ms
 * after answering): a tenant-scoped read does exactly this before querying D1.
 */
export async function settleIndex(tenantId: string): Promise<void> {
  const res = await call(`/decisions?tenant_id=${encodeURIComponent(tenantId)}&limit=1`, { token: ADMIN });
  if (res.status !== 200) throw new Error(`settleIndex ${tenantId}: ${res.status} ${await res.text()}`);
}

/**
 * Gives a tenant's log (its Durable Object) the bindings and secrets `withEnv`: a secret belongs to
 * the whole script, so when a test runs the Worker with a rotated HALL_SIGNING_KEY the log must
 * run with it too (in production both change together).
 */
export async function setLogEnv(tenantId: string, withEnv: unknown, shard = 0): Promise<void> {
  const log = env.HALL_LOG.get(env.HALL_LOG.idFromName(logObjectName(tenantId, shard)));
  await runInDurableObject(log, (object) => {
    (object as unknown as { env: unknown }).env = withEnv;
  });
}
