import { defineConfig } from 'vitest/config';

// Each test area owns its project config (test/<area>/vitest.config.ts), so suites with
// different runtimes (Node, workerd, Chromium) live side by side: `npx vitest run --project <area>`.
export default defineConfig({
  test: {
    projects: ['test/*/vitest.config.ts'],
  },
});
