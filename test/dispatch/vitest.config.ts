// Dispatch suite: the Hall inside workerd (real KV and D1) via @cloudflare/vitest-pool-workers,
// running as a local-dev Hall (HALL_LOCAL_DEV=1) that dispatches to real targets:
//   TARGET   an auxiliary Worker (test/support/target-worker.ts, bundled here with esbuild) behind a
//            Service binding listed in HALL_DISPATCH_SERVICES for org.demo;
//   loopback HTTP servers in Node (test/support/dispatch-node-targets.ts, the global setup): an https-kind target and an
//            upstream MCP server built with the official SDK.
// Both verify every dispatch with the SDK's verifyDispatch against the Hall's public key.
import { createServer } from 'node:net';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineProject } from 'vitest/config';
import { bundleWorker, hallBindings, hallKeyPair, root } from '../support/workerd-hall.js';

const DEMO_TOKEN = 'dispatch-test-demo-tenant-token-0123456789';
const ADMIN_TOKEN = 'dispatch-test-admin-token-0123456789abcdef';
const KID = 'dispatch-test-hall-key';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

// The config is evaluated once per run in the main process, which also runs the global setup:
// the port and key set travel to the global setup through process.env.
process.env['DISPATCH_TEST_PORT'] ??= String(await freePort());
const key = hallKeyPair(KID);
process.env['DISPATCH_TEST_JWKS'] ??= key.jwks;
const signingKey = process.env['DISPATCH_TEST_SIGNING_KEY'] ?? key.privateJwk;
process.env['DISPATCH_TEST_SIGNING_KEY'] = signingKey;
const jwks = process.env['DISPATCH_TEST_JWKS'];
const port = process.env['DISPATCH_TEST_PORT'];

export default defineProject({
  plugins: [
    cloudflareTest(async () => ({
      main: `${root}worker/index.ts`,
      wrangler: { configPath: `${root}wrangler.toml` },
      miniflare: {
        serviceBindings: { TARGET: 'dispatch-target' },
        workers: [
          {
            name: 'dispatch-target',
            modules: true,
            script: await bundleWorker(`${root}test/support/target-worker.ts`),
            compatibilityDate: '2026-04-20',
            bindings: { TARGET_JWKS: jwks },
          },
        ],
        bindings: {
          ...(await hallBindings({ demoToken: DEMO_TOKEN, adminToken: ADMIN_TOKEN, signingKey })),
          TEST_TARGET_PORT: port,
          TEST_JWKS: jwks,
          HALL_LOCAL_DEV: '1',
          HALL_DISPATCH_SERVICES: 'TARGET=org.demo',
          // org.demo's upstream credential, and one of another namespace's (which org.demo must never borrow).
          DISPATCH_ORG_DEMO__TARGET_TOKEN: 'upstream-credential-of-org-demo-0123456789',
          DISPATCH_ORG_OTHER__TARGET_TOKEN: 'upstream-credential-of-org-other-0123456789',
        },
      },
    })),
  ],
  test: {
    name: 'dispatch',
    include: ['**/*.test.ts'],
    setupFiles: ['./setup.ts'],
    globalSetup: ['../support/dispatch-node-targets.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files share one KV, D1 and rule set: one at a time.
    fileParallelism: false,
    // Its own group (see the root vitest.config.ts): one file at a time, after the parallel projects.
    sequence: { groupOrder: 2 },
    // One workerd for all files (a workerd per file cost ~4.5 s a file).
    isolate: false,
  },
});
