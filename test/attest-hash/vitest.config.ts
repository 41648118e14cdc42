import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'attest-hash', include: ['**/*.test.ts'], environment: 'node', testTimeout: 60_000 },
});
