// Demo workers suite: demo-workers/ runs inside workerd via @cloudflare/vitest-pool-workers. Its
// HALL Service binding is a stand-in Hall key endpoint (GET /.well-known/wcp-keys.json) holding a
// test key the suite signs receipts with; PUT replaces the served key set (key rotation tests).
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineProject } from 'vitest/config';
// @ts-expect-error plain ESM helper without type declarations
import { buildRegistrySeedRows } from '../../scripts/registry-seed.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

function testKey(kid: string): { privateJwk: string; publicJwk: Record<string, string> } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { privateJwk: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid }), publicJwk: { kty: 'OKP', crv: 'Ed25519', x: pub['x']!, kid } };
}

const hallKey = testKey('hall-test-k1');
const rotatedKey = testKey('hall-test-k2');
let served: unknown = { keys: [hallKey.publicJwk] };
let keysDown = false;

/** The stand-in for the Hall's key endpoint (the demo worker's HALL binding). */
async function hallStub(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === '/__test/keys' && request.method === 'PUT') {
    const body = (await request.json()) as { jwks?: unknown; down?: boolean };
    if (body.jwks !== undefined) served = body.jwks;
    keysDown = body.down === true;
    return new Response(null, { status: 204 });
  }
  if (pathname === '/.well-known/wcp-keys.json' && request.method === 'GET') {
    return keysDown ? new Response('down', { status: 503 }) : Response.json(served);
  }
  return new Response('not found', { status: 404 });
}

export default defineProject({
  plugins: [
    cloudflareTest(async () => ({
      main: `${root}demo-workers/index.ts`,
      wrangler: { configPath: `${root}demo-workers/wrangler.toml` },
      miniflare: {
        serviceBindings: { HALL: hallStub },
        bindings: {
          TEST_HALL_KEY: hallKey.privateJwk,
          TEST_HALL_PUBLIC_KEY: hallKey.publicJwk,
          TEST_ROTATED_KEY: rotatedKey.privateJwk,
          TEST_ROTATED_PUBLIC_KEY: rotatedKey.publicJwk,
          TEST_REGISTRY_SEED: buildRegistrySeedRows(`${root}kv-seed`),
        },
      },
    })),
  ],
  test: {
    name: 'demo-workers',
    include: ['**/*.test.ts'],
    testTimeout: 30_000,
    // One key-set stand-in is shared by every file; the rotation tests change it.
    fileParallelism: false,
    // Its own group (see the root vitest.config.ts): one file at a time, after the parallel projects.
    sequence: { groupOrder: 1 },
    // One workerd for all files (a workerd per file cost ~4.5 s a file).
    isolate: false,
  },
});
