import { defineProject } from 'vitest/config';

// `npm start` from a clean checkout: setup steps, a live wrangler dev, a real /route call, Ctrl-C,
// restarts that keep the user's data, refusals (bad port, busy port, failing wrangler), streamed
// oversized bodies, and the production seed script. Files start their own Halls, one at a time.
export default defineProject({
  test: { name: 'start', include: ['**/*.test.ts'], environment: 'node', testTimeout: 240_000, hookTimeout: 180_000, fileParallelism: false, sequence: { groupOrder: 7 } },
});
