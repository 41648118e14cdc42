import { defineProject } from 'vitest/config';

// Every SDK example (examples/node-*, agent-*, worker-*, browser-*) run against a live local Hall.
export default defineProject({
  test: {
    name: 'examples',
    include: ['**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
