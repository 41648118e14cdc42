// MCP gateway suite: the Hall runs inside workerd (real KV and D1) via @cloudflare/vitest-pool-workers,
// and the official MCP SDK client talks to it over Streamable HTTP with a fetch that enters the Hall
// in-process. Node-side setup reads what the worker cannot (migrations, kv-seed/) and passes it as
// bindings, the same pattern as test/worker.
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineProject } from 'vitest/config';
// @ts-expect-error plain ESM helper without type declarations
import { buildSeedEntries } from '../../scripts/kv-seed.mjs';
// @ts-expect-error plain ESM helper without type declarations
import { buildRegistrySeedRows } from '../../scripts/registry-seed.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DEMO_TOKEN = 'mcp-test-demo-tenant-token-0123456789';
const APPROVER_TOKEN = 'mcp-test-demo-approver-token-0123456789';

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
          TEST_KV_SEED: buildSeedEntries(`${root}kv-seed`, { tokens: { HALL_DEMO_TENANT_TOKEN: DEMO_TOKEN, HALL_DEMO_APPROVER_TOKEN: APPROVER_TOKEN } }),
          TEST_REGISTRY_SEED: buildRegistrySeedRows(`${root}kv-seed`),
          TEST_DEMO_TOKEN: DEMO_TOKEN,
          TEST_APPROVER_TOKEN: APPROVER_TOKEN,
          HALL_ADMIN_TOKEN: 'mcp-test-admin-token-0123456789abcdef',
          HALL_SIGNING_KEY: signingKeyJwk(),
          HALL_APPROVAL_TTL_MINUTES: '60',
          // Tests write KV/D1 directly and expect the next request to see it.
          HALL_CONFIG_CHECK_MS: '0',
        },
      },
    })),
  ],
  test: {
    name: 'mcp',
    include: ['**/*.test.ts'],
    setupFiles: ['./setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files share one KV and D1 and change the registry: one at a time.
    fileParallelism: false,
  },
});
