import { defineProject } from 'vitest/config';

// The edgehall CLI's Hall commands against a live local Hall (the real worker in Miniflare on
// loopback, migrations applied, kv-seed loaded — test/client/live-hall.ts), run in-process.
export default defineProject({
  test: {
    name: 'cli',
    include: ['**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
