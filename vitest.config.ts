import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Each test area owns its project config (test/<area>/vitest.config.ts), so suites with
// different runtimes (Node, workerd, Chromium) live side by side: `npx vitest run --project <area>`.
export default defineConfig({
  test: {
    projects: ['test/*/vitest.config.ts'],
    // Vitest's run-mode default is one core fewer than the machine has: one file at a time on a
    // 2-core CI box. Much of the suite waits on child processes (workerd, npm start, Chromium),
    // so every core runs a file. Projects that run their files one at a time (shared state) each
    // have their own sequence.groupOrder, as Vitest requires; those groups run after group 0.
    maxWorkers: availableParallelism(),
  },
});
