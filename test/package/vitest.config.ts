import { defineProject } from 'vitest/config';

// The package as a user receives it: build, `npm pack`, install the tarball, import and bundle it.
export default defineProject({
  test: {
    name: 'package',
    include: ['**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
