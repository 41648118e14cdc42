// What every workerd suite that runs the Hall (@cloudflare/vitest-pool-workers) needs on the Node
// side: the repo root, Ed25519 keys, an esbuild bundle for an auxiliary Worker, and the common
// bindings (migrations, kv-seed, registry seed, Hall secrets) that test/worker/setup.ts reads.
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { buildSeedEntries } from '../../scripts/kv-seed.mjs';
import { buildRegistrySeedRows } from '../../scripts/registry-seed.mjs';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** A fresh Ed25519 private JWK as one line of JSON (no kid: the Hall uses the thumbprint). */
export function signingKeyJwk(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return JSON.stringify(privateKey.export({ format: 'jwk' }));
}

/** A Hall signing key with a fixed kid, and the JWKS a dispatch target verifies with. */
export function hallKeyPair(kid: string): { privateJwk: string; jwks: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return {
    privateJwk: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid }),
    jwks: JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: pub['x'], kid }] }),
  };
}

/** How the suites bundle a Worker for workerd (add entryPoints and outfile or write: false). */
export const WORKER_BUILD: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['module', 'main'],
  target: 'es2022',
  logLevel: 'silent',
};

/** One ES module bundle of a Worker entry, for miniflare's `workers` list. */
export async function bundleWorker(entry: string): Promise<string> {
  const out = await build({ ...WORKER_BUILD, entryPoints: [entry], write: false });
  return out.outputFiles[0]!.text;
}

export interface HallBindingOptions {
  demoToken: string;
  adminToken: string;
  signingKey: string;
  /** Seeds the demo approver with this token too. */
  approverToken?: string;
}

/** The bindings every Hall suite starts from (a suite adds its own on top). */
export async function hallBindings(o: HallBindingOptions): Promise<Record<string, unknown>> {
  const tokens: Record<string, string> = { HALL_DEMO_TENANT_TOKEN: o.demoToken };
  if (o.approverToken !== undefined) tokens['HALL_DEMO_APPROVER_TOKEN'] = o.approverToken;
  return {
    TEST_MIGRATIONS: await readD1Migrations(`${root}migrations`),
    TEST_KV_SEED: buildSeedEntries(`${root}kv-seed`, { tokens }),
    TEST_REGISTRY_SEED: buildRegistrySeedRows(`${root}kv-seed`),
    TEST_DEMO_TOKEN: o.demoToken,
    HALL_ADMIN_TOKEN: o.adminToken,
    HALL_SIGNING_KEY: o.signingKey,
    HALL_APPROVAL_TTL_MINUTES: '60',
    // Tests write KV/D1 directly and expect the next request to see it.
    HALL_CONFIG_CHECK_MS: '0',
  };
}
