// MCP gateway suite: the Hall runs inside workerd (real KV and D1) via @cloudflare/vitest-pool-workers,
// and the official MCP SDK client talks to it over Streamable HTTP with a fetch that enters the Hall
// in-process. Node-side setup reads what the worker cannot (migrations, kv-seed/) and passes it as
// bindings, the same pattern as test/worker. Allowed calls reach a real dispatch target: the
// dispatch suite's auxiliary Worker (test/support/target-worker.ts, bundled here with esbuild)
// behind the Service binding TARGET, which re-verifies every dispatch against the Hall's key.
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineProject } from 'vitest/config';
import { bundleWorker, hallBindings, hallKeyPair, root } from '../support/workerd-hall.js';

const DEMO_TOKEN = 'mcp-test-demo-tenant-token-0123456789';
const APPROVER_TOKEN = 'mcp-test-demo-approver-token-0123456789';

const KID = 'mcp-test-hall-key';

const key = hallKeyPair(KID);

export default defineProject({
  plugins: [
    cloudflareTest(async () => ({
      main: `${root}worker/index.ts`,
      wrangler: { configPath: `${root}wrangler.toml` },
      miniflare: {
        serviceBindings: { TARGET: 'mcp-dispatch-target' },
        workers: [
          {
            name: 'mcp-dispatch-target',
            modules: true,
            script: await bundleWorker(`${root}test/support/target-worker.ts`),
            compatibilityDate: '2026-04-20',
            bindings: { TARGET_JWKS: key.jwks },
          },
        ],
        bindings: {
          ...(await hallBindings({ demoToken: DEMO_TOKEN, approverToken: APPROVER_TOKEN, adminToken: 'mcp-test-admin-token-0123456789abcdef', signingKey: key.privateJwk })),
          TEST_APPROVER_TOKEN: APPROVER_TOKEN,
          HALL_DISPATCH_SERVICES: 'TARGET=org.demo',
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
    // Its own group (see the root vitest.config.ts): one file at a time, after the parallel projects.
    sequence: { groupOrder: 5 },
    // One workerd for all files (a workerd per file cost ~4.5 s a file).
    isolate: false,
  },
});
