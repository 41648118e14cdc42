// Worker suite: runs inside workerd (real KV and D1) via @cloudflare/vitest-pool-workers.
// Node-side setup reads what the worker cannot (migrations, kv-seed/) and passes it as bindings.
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
          // As under npm start: the seed's records dispatch through DEMO_WORKERS (demo-workers/), so
          // re-enrolling one must pass the Hall's dispatch rules.
          HALL_DISPATCH_SERVICES: 'DEMO_WORKERS=org.demo',
          // Tests write KV directly and expect the next request to see it.
          HALL_CONFIG_CHECK_MS: '0',
        },
      },
    })),
  ],
  test: {
    name: 'worker',
    include: ['**/*.test.ts'],
    setupFiles: ['./setup.ts'],
    testTimeout: 60_000,
    // Files share one KV and D1; a few change Hall-wide config, so they run one at a time.
    fileParallelism: false,
    hookTimeout: 60_000,
  },
});
