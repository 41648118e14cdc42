import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// Dispatch, Node side: the SDK's verifyDispatch and outcome records (forged, replayed, stale,
// other-worker, DENY, dry-run and tampered dispatches refused), and the upstream MCP import
// against @modelcontextprotocol/server-everything on loopback with the real Hall in Miniflare,
// and examples/dispatch-target.ts.
export default defineProject({
  // The example imports the package by name, as users do; here that means the sources.
  resolve: { alias: { edgehall: fileURLToPath(new URL('../../src/index.ts', import.meta.url)) } },
  test: {
    name: 'dispatch-node',
    include: ['**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
