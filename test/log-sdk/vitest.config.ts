import { defineProject } from 'vitest/config';

// The transparency log in Node: RFC 9162 trees kept as stored nodes (src/log/node-tree.ts) against
// the from-scratch definitions and published vectors, exhaustive proof properties up to 300 leaves,
// and the edgehall/verify entry's log verifiers.
export default defineProject({
  test: { name: 'log-sdk', include: ['**/*.test.ts'], environment: 'node', testTimeout: 120_000 },
});
