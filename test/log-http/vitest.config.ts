// The transparency endpoints inside workerd (real KV and D1 via @cloudflare/vitest-pool-workers):
// signed checkpoints, inclusion and consistency proofs, checked with the SDK's verifiers. Same
// bindings as the worker suite (test/worker/vitest.config.ts), its own project so the two do not
// share a database.
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
    name: 'log-http',
    include: ['**/*.test.ts'],
    setupFiles: ['./setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files share one KV and D1 and add tenants: one at a time.
    fileParallelism: false,
    // Its own group (see the root vitest.config.ts): one file at a time, after the parallel projects.
    sequence: { groupOrder: 4 },
    // One workerd for all files (a workerd per file cost ~4.5 s a file).
    isolate: false,
  },
});
