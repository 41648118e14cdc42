import { defineProject } from 'vitest/config';

// The Hall Monitor (/monitor) in real Chromium (Debian's /usr/bin/chromium via playwright-core)
// against a live local Hall started by the real `npm start` in a throwaway copy of the project.
// One Hall and one browser for the whole project; the files run one at a time.
export default defineProject({
  test: {
    name: 'monitor',
    include: ['**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    // Its own group (see the root vitest.config.ts): one file at a time, after the parallel projects.
    sequence: { groupOrder: 6 },
  },
});
