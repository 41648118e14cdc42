// Tenant-log suite: the per-tenant Durable Object logs (worker/log/) inside workerd, with real
// SQLite-backed objects, D1 and KV via @cloudflare/vitest-pool-workers — the same worker and
// bindings as test/worker (wrangler.toml binds HALL_LOG), with its own storage.
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineProject } from 'vitest/config';
// @ts-expect-error plain ESM helper without type declarations
import { buildSeedEntries } from '../../scripts/kv-seed.mjs';
// @ts-expect-error plain ESM helper without type declarations
import { buildRegistrySeedRows } from '../../scripts/registry-seed.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DEMO_TOKEN = 'test-demo-tenant-token-0123456789abcdef';

function signingKeyJwk(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return JSON.stringify(privateKey.export({ format: 'jwk' }));
}

export default defineProject({
  plugins: [
    cloudflareTest(async () => ({
      main: `${root}worker/index.ts`,
      wrangler: { configPath: `${root}wrangler.toml` },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(`${root}migrations`),
          TEST_KV_SEED: buildSeedEntries(`${root}kv-seed`, { tokens: { HALL_DEMO_TENANT_TOKEN: DEMO_TOKEN } }),
          TEST_REGISTRY_SEED: buildRegistrySeedRows(`${root}kv-seed`),
          TEST_DEMO_TOKEN: DEMO_TOKEN,
          TEST_SECOND_SIGNING_KEY: signingKeyJwk(),
          HALL_ADMIN_TOKEN: 'test-admin-token-0123456789abcdef',
          HALL_SIGNING_KEY: signingKeyJwk(),
          HALL_APPROVAL_TTL_MINUTES: '60',
          HALL_CONFIG_CHECK_MS: '0',
        },
      },
    })),
  ],
  test: {
    name: 'log',
    include: ['**/*.test.ts'],
    setupFiles: ['../worker/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
