// The Hall as the HTTP benches run it: the built worker (esbuild bundle of worker/index.ts) in
// Miniflare on loopback, KV, D1 and the SQLite tenant-log objects in memory (the benches measure
// the Hall, not this disk), migrations and the kv-seed applied, Server-Timing on.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { build } from 'esbuild';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { buildSeedEntries } from '../scripts/kv-seed.mjs';
import { buildRegistrySeedSql } from '../scripts/registry-seed.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));

export interface BenchHall {
  mf: Miniflare;
  base: URL;
  db: Awaited<ReturnType<Miniflare['getD1Database']>>;
  /** Size of the worker bundle (bytes). */
  scriptBytes: number;
  /** Headers of an admin JSON request. */
  admin: Record<string, string>;
  /** The seed's demo tenant token. */
  demoToken: string;
}

/** Starts the Hall; `registrySeed` also loads the seed's workers into the D1 registry. */
export async function startBenchHall(options: { registrySeed?: boolean } = {}): Promise<BenchHall> {
  const bundle = await build({
    entryPoints: [`${root}worker/index.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    minify: true,
    write: false,
    // Runtime modules (cloudflare:workers for the tenant-log Durable Object class) come from workerd.
    external: ['cloudflare:*'],
  });
  const script = bundle.outputFiles[0]!.text;
  const adminToken = `bench-admin-${randomUUID()}`;
  const demoToken = `bench-demo-${randomUUID()}`;
  const { privateKey } = generateKeyPairSync('ed25519');
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-04-20',
    kvNamespaces: ['HALL_KV'],
    d1Databases: ['HALL_DB'],
    // The per-tenant evidence logs (wrangler.toml [[durable_objects.bindings]]): SQLite-backed.
    durableObjects: { HALL_LOG: { className: 'TenantLogObject', useSQLite: true } },
    bindings: { HALL_ADMIN_TOKEN: adminToken, HALL_SIGNING_KEY: JSON.stringify(privateKey.export({ format: 'jwk' })), HALL_APPROVAL_TTL_MINUTES: '60', HALL_SERVER_TIMING: '1' },
    host: '127.0.0.1',
    port: 0,
    cf: false,
    log: new Log(LogLevel.WARN),
  });
  try {
    const base = await mf.ready;
    const db = await mf.getD1Database('HALL_DB');
    for (const m of await readD1Migrations(`${root}migrations`)) for (const q of m.queries) await db.prepare(q).run();
    if (options.registrySeed) for (const q of (buildRegistrySeedSql(`${root}kv-seed`) as string).split('\n').filter(Boolean)) await db.prepare(q).run();
    const kv = await mf.getKVNamespace('HALL_KV');
    for (const { key, value } of buildSeedEntries(`${root}kv-seed`, { tokens: { HALL_DEMO_TENANT_TOKEN: demoToken } }) as { key: string; value: string }[]) await kv.put(key, value);
    return { mf, base, db, scriptBytes: script.length, admin: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, demoToken };
  } catch (err) {
    await mf.dispose();
    throw err;
  }
}

/** `n` bench-only tenants `<prefix>01…`, each with its own token, allowed in the Hall config like `demo`. */
export async function addBenchTenants(hall: BenchHall, prefix: string, n: number): Promise<{ id: string; token: string }[]> {
  const tenants = Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i + 1).padStart(2, '0')}`, token: `bench-${randomUUID()}` }));
  for (const t of tenants) {
    const res = await fetch(new URL(`/admin/tenants/${t.id}`, hall.base), { method: 'PUT', headers: hall.admin, body: JSON.stringify({ token: t.token, namespaces: [] }) });
    if (!res.ok) throw new Error(`seeding tenant ${t.id}: ${res.status} ${await res.text()}`);
  }
  const config = (await (await fetch(new URL('/admin/config', hall.base), { headers: hall.admin })).json()) as Record<string, unknown>;
  const hallConfig = (config['config'] ?? config) as Record<string, unknown>;
  hallConfig['allowed_tenants'] = [...((hallConfig['allowed_tenants'] as string[] | undefined) ?? []), ...tenants.map((t) => t.id)];
  const put = await fetch(new URL('/admin/config', hall.base), { method: 'PUT', headers: hall.admin, body: JSON.stringify(hallConfig) });
  if (!put.ok) throw new Error(`hall config for the bench tenants: ${put.status} ${await put.text()}`);
  return tenants;
}
