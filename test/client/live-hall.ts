// A live local Hall for client, browser and example tests: the worker bundled with esbuild (as
// wrangler would) and served by Miniflare on 127.0.0.1 with real local KV and D1, migrations
// applied and kv-seed/ loaded, the way `npm start` sets it up.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { readD1Migrations } from '@cloudflare/vitest-pool-workers';
// @ts-ignore plain ESM helper without type declarations (resolved only when allowJs is on)
import { buildSeedEntries } from '../../scripts/kv-seed.mjs';
// @ts-ignore plain ESM helper without type declarations (resolved only when allowJs is on)
import { buildRegistrySeedSql } from '../../scripts/registry-seed.mjs';
import { exportEd25519PrivateJwk, generateEd25519KeyPair } from '../../src/crypto/index.js';
import { WORKER_BUILD } from '../support/workerd-hall.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface LiveHall {
  url: string;
  adminToken: string;
  demoToken: string;
  /** The signing key's kid (as published in /.well-known/wcp-keys.json). */
  kid: string;
  mf: Miniflare;
  close(): Promise<void>;
}

function randomToken(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** wrangler.toml is the source of truth: the test runs the compatibility date that deploys. */
function compatibilityDate(): string {
  const m = /^compatibility_date\s*=\s*"([0-9-]+)"/m.exec(readFileSync(join(root, 'wrangler.toml'), 'utf8'));
  if (!m) throw new Error('wrangler.toml has no compatibility_date');
  return m[1]!;
}

/** `bindings`: extra vars/secrets for the Hall (e.g. HALL_LOCAL_DEV for loopback dispatch targets). */
export async function startLiveHall(options: { bindings?: Record<string, string> } = {}): Promise<LiveHall> {
  const dir = mkdtempSync(join(tmpdir(), 'edgehall-live-'));
  const scriptPath = join(dir, 'worker.js');
  await build({
    ...WORKER_BUILD,
    entryPoints: [join(root, 'worker', 'index.ts')],
    outfile: scriptPath,
    // Runtime modules (cloudflare:workers for the Durable Object classes) are provided by workerd.
    external: ['cloudflare:*'],
  });

  const adminToken = randomToken('admin-');
  const demoToken = randomToken('demo-');
  const pair = await generateEd25519KeyPair();
  const jwk = exportEd25519PrivateJwk(pair);
  const mf = new Miniflare({
    modules: true,
    modulesRoot: dir,
    scriptPath,
    compatibilityDate: compatibilityDate(),
    kvNamespaces: ['HALL_KV'],
    d1Databases: ['HALL_DB'],
    // The per-tenant evidence logs (wrangler.toml [[durable_objects.bindings]]), in memory.
    durableObjects: { HALL_LOG: { className: 'TenantLogObject', useSQLite: true } },
    bindings: { HALL_ADMIN_TOKEN: adminToken, HALL_SIGNING_KEY: JSON.stringify(jwk), HALL_APPROVAL_TTL_MINUTES: '60', ...options.bindings },
    cf: false,
    host: '127.0.0.1',
    port: 0,
    kvPersist: false,
    d1Persist: false,
  });
  const url = (await mf.ready).href.replace(/\/$/, '');

  const db = await mf.getD1Database('HALL_DB');
  for (const migration of await readD1Migrations(join(root, 'migrations'))) {
    for (const q of migration.queries) await db.prepare(q).run();
  }
  // The seed's workers go into the D1 registry (one statement per line), as `npm start` does.
  // One batch: running each statement through Miniflare's proxy failed once under CI load (the seed
  // records now carry tool schemas); the batch runs them in one call.
  await db.batch((buildRegistrySeedSql(join(root, 'kv-seed')) as string).split('\n').filter(Boolean).map((q) => db.prepare(q)));
  const kv = await mf.getKVNamespace('HALL_KV');
  const entries = buildSeedEntries(join(root, 'kv-seed'), { tokens: { HALL_DEMO_TENANT_TOKEN: demoToken } }) as { key: string; value: string }[];
  for (const e of entries) await kv.put(e.key, e.value);

  return {
    url,
    adminToken,
    demoToken,
    kid: jwk.kid ?? '',
    mf,
    close: async () => {
      await mf.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
