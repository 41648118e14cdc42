// MCP gateway suite: the Hall runs inside workerd (real KV and D1) via @cloudflare/vitest-pool-workers,
// and the official MCP SDK client talks to it over Streamable HTTP with a fetch that enters the Hall
// in-process. Node-side setup reads what the worker cannot (migrations, kv-seed/) and passes it as
// bindings, the same pattern as test/worker. Allowed calls reach a real dispatch target: the
// dispatch suite's auxiliary Worker (test/support/target-worker.ts, bundled here with esbuild)
// behind the Service binding TARGET, which re-verifies every dispatch against the Hall's key.
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineProject } from 'vitest/config';
// @ts-expect-error plain ESM helper without type declarations
import { buildSeedEntries } from '../../scripts/kv-seed.mjs';
// @ts-expect-error plain ESM helper without type declarations
import { buildRegistrySeedRows } from '../../scripts/registry-seed.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const DEMO_TOKEN = 'mcp-test-demo-tenant-token-0123456789';
const APPROVER_TOKEN = 'mcp-test-demo-approver-token-0123456789';

const KID = 'mcp-test-hall-key';

/** The Hall's signing key and the JWKS the dispatch target verifies with. */
function hallKey(): { privateJwk: string; jwks: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return {
    privateJwk: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: KID }),
    jwks: JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: pub['x'], kid: KID }] }),
  };
}

async function bundle(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    target: 'es2022',
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

const key = hallKey();

export default defineProject({
  plugins: [
    cloudflareTest(async () => ({
      main: `${root}worker/index.ts`,
      wrangler: { configPath: `${root}wrangler.toml` },
      miniflare: {
        serviceBindings: { TARGET: 'mcp-dispatch-target' },
        workers: [
          {
            name: 'mcp-dispatch-target',
            modules: true,
            script: await bundle(`${root}test/support/target-worker.ts`),
            compatibilityDate: '2026-04-20',
            bindings: { TARGET_JWKS: key.jwks },
          },
        ],
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(`${root}migrations`),
          TEST_KV_SEED: buildSeedEntries(`${root}kv-seed`, { tokens: { HALL_DEMO_TENANT_TOKEN: DEMO_TOKEN, HALL_DEMO_APPROVER_TOKEN: APPROVER_TOKEN } }),
          TEST_REGISTRY_SEED: buildRegistrySeedRows(`${root}kv-seed`),
          TEST_DEMO_TOKEN: DEMO_TOKEN,
          TEST_APPROVER_TOKEN: APPROVER_TOKEN,
          HALL_ADMIN_TOKEN: 'mcp-test-admin-token-0123456789abcdef',
          HALL_SIGNING_KEY: key.privateJwk,
          HALL_DISPATCH_SERVICES: 'TARGET=org.demo',
          HALL_APPROVAL_TTL_MINUTES: '60',
          // Tests write KV/D1 directly and expect the next request to see it.
          HALL_CONFIG_CHECK_MS: '0',
        },
      },
    })),
  ],
  test: {
    name: 'mcp',
    include: ['**/*.test.ts'],
    setupFiles: ['./setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Files share one KV and D1 and change the registry: one at a time.
    fileParallelism: false,
  },
});
