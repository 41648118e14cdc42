import { defineProject } from 'vitest/config';

// HallClient and RegistryClient over real HTTP on loopback: scripted Node servers for transport
// behaviour (retries, timeouts, streaming uploads) and the real Hall worker in Miniflare.
export default defineProject({
  test: {
    name: 'client',
    include: ['**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
