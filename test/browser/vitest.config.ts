import { defineProject } from 'vitest/config';

// edgehall/verify in a real browser: headless Chromium (Debian's /usr/bin/chromium via
// playwright-core) verifies a receipt chain exported from a live local Hall and an Ed25519 manifest.
export default defineProject({
  test: {
    name: 'browser',
    include: ['**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
