import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'util', include: ['**/*.test.ts'], environment: 'node' },
});
