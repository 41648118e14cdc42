// Tenant-log suite: the per-tenant Durable Object logs (worker/log/) inside workerd, with real
// SQLite-backed objects, D1 and KV via @cloudflare/vitest-pool-workers — the same worker and
// bindings as test/worker (wrangler.toml binds HALL_LOG), with its own storage.
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineProject } from 'vitest/config';
import { hallBindings, root, signingKeyJwk } from '../support/workerd-hall.js';

const DEMO_TOKEN = 'test-demo-tenant-token-0123456789abcdef';

export default defineProject({
  plugins: [
    cloudflareTest(async () => ({
      main: `${root}worker/index.ts`,
      wrangler: { configPath: `${root}wrangler.toml` },
      miniflare: {
        bindings: {
          ...(await hallBindings({ demoToken: DEMO_TOKEN, adminToken: 'test-admin-token-0123456789abcdef', signingKey: signingKeyJwk() })),
          TEST_SECOND_SIGNING_KEY: signingKeyJwk(),
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
    // Its own group (see the root vitest.config.ts): one file at a time, after the parallel projects.
    sequence: { groupOrder: 3 },
    // One workerd for all files (a workerd per file cost ~4.5 s a file).
    isolate: false,
  },
});
