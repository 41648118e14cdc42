// Worker suite: runs inside workerd (real KV and D1) via @cloudflare/vitest-pool-workers.
// Node-side setup reads what the worker cannot (migrations, kv-seed/) and passes it as bindings.
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
          // As under npm start: the seed's records dispatch through DEMO_WORKERS (demo-workers/), so
          // re-enrolling one must pass the Hall's dispatch rules.
          HALL_DISPATCH_SERVICES: 'DEMO_WORKERS=org.demo',
        },
      },
    })),
  ],
  test: {
    name: 'worker',
    include: ['**/*.test.ts'],
    setupFiles: ['./setup.ts'],
    testTimeout: 60_000,
    // Files share one workerd (one KV, D1 and set of log objects) and run one at a time: a few
    // change Hall-wide config. Starting a workerd per file cost ~4.5 s a file.
    fileParallelism: false,
    // Its own group (see the root vitest.config.ts): one file at a time, after the parallel projects.
    sequence: { groupOrder: 8 },
    isolate: false,
    hookTimeout: 60_000,
  },
});
