import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  // Examples import 'edgehall' as users do; in the checkout that resolves to the sources.
  resolve: { alias: [{ find: /^edgehall$/, replacement: fileURLToPath(new URL('../../src/index.ts', import.meta.url)) }] },
  test: { name: 'routing', include: ['**/*.test.ts'], environment: 'node' },
});
