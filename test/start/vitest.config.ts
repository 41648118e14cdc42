import { defineProject } from 'vitest/config';

// `npm start` from a clean checkout: setup steps, a live wrangler dev, a real /route call, Ctrl-C.
export default defineProject({
  test: { name: 'start', include: ['**/*.test.ts'], environment: 'node', testTimeout: 240_000, hookTimeout: 120_000 },
});
