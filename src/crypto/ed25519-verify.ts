// Ed25519 verification and backend choice: WebCrypto Ed25519 where the runtime has it (workerd,
// Node 20, Deno, Bun, browsers since 2024-25), else a registered JavaScript fallback. The noble
// fallback is registered by ed25519.ts (the full SDK) rather than imported here, so the browser
// verify bundle (12 KB gzip budget) does not carry a second Ed25519 implementation.
import { fromBase64Url } from '../util/bytes.js';
import { EdgehallError } from '../util/errors.js';
import { arrayBufferView as ab } from './webcrypto.js';

/** A JavaScript Ed25519 verifier (RFC 8032 semantics) used where WebCrypto lacks Ed25519. */
export type Ed25519FallbackVerify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => Promise<boolean>;

let fallback: Ed25519FallbackVerify | null = null;
// Bumped whenever the backend choice changes, so caches of verifiers (receipts/verify.ts) start over.
let epoch = 0;

/** Changes whenever the backend or the fallback does: verifiers made before belong to the old choice. */
export function ed25519BackendEpoch(): number {
  return epoch;
}

/** Installs the JavaScript verifier used when WebCrypto has no Ed25519 (see enableNobleEd25519). */
export function registerEd25519Fallback(verify: Ed25519FallbackVerify | null): void {
  fallback = verify;
  epoch++;
}

export type Ed25519Backend = 'webcrypto' | 'noble';
export type Ed25519BackendPreference = Ed25519Backend | 'auto';

const ALG = { name: 'Ed25519' } as const;
// RFC 8032 test 1 public key: a known-good point used only to probe WebCrypto support.
const PROBE_KEY = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo';

let preference: Ed25519BackendPreference = 'auto';
// The probe's result, not its promise, is cached: workerd must not await a promise created by
// another request, and concurrent first calls simply probe twice (it is cheap).
let detected: Ed25519Backend | undefined;

export function ed25519Subtle(): SubtleCrypto | undefined {
  // The bare global is typed by both the DOM lib and workers-types; `typeof` guards old runtimes.
  return typeof crypto === 'undefined' ? undefined : crypto.subtle;
}

/** Forces a backend ('noble' is useful for tests and old runtimes); 'auto' restores detection. */
export function setEd25519Backend(pref: Ed25519BackendPreference): void {
  preference = pref;
  epoch++;
}

async function probe(): Promise<Ed25519Backend> {
  const s = ed25519Subtle();
  if (!s) return 'noble';
  try {
    await s.importKey('raw', ab(fromBase64Url(PROBE_KEY)), ALG, false, ['verify']);
    return 'webcrypto';
  } catch {
    return 'noble';
  }
}

/** The backend this runtime will use: WebCrypto when it can import an Ed25519 key, else noble. */
export async function getEd25519Backend(): Promise<Ed25519Backend> {
  if (preference !== 'auto') return preference;
  detected ??= await probe();
  return detected;
}

export interface Ed25519Verifier {
  readonly publicKey: Uint8Array;
  /** True only for a valid signature; never throws. */
  verify(message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/**
 * A verifier that imports its public key once (a chain of receipts signed by one key). A
 * malformed public key yields a verifier that rejects everything. Throws ED25519_UNAVAILABLE
 * only when neither WebCrypto Ed25519 nor a fallback exists.
 */
export async function createEd25519Verifier(publicKey: Uint8Array): Promise<Ed25519Verifier> {
  const pk = publicKey instanceof Uint8Array ? publicKey.slice() : new Uint8Array(0);
  const backend = await getEd25519Backend();
  const js = fallback;
  if (backend === 'noble' && !js) {
    throw new EdgehallError(
      'ED25519_UNAVAILABLE',
      "this runtime has no WebCrypto Ed25519: call enableNobleEd25519() from 'edgehall' once before verifying.",
    );
  }
  let key: CryptoKey | null = null;
  if (backend === 'webcrypto' && pk.length === 32) {
    try {
      key = await ed25519Subtle()!.importKey('raw', ab(pk), ALG, false, ['verify']);
    } catch {
      key = null;
    }
  }
  return {
    publicKey: pk,
    async verify(message, signature) {
      if (pk.length !== 32 || !(signature instanceof Uint8Array) || signature.length !== 64) return false;
      try {
        if (backend === 'noble') return await js!(signature, message, pk);
        return key ? await ed25519Subtle()!.verify(ALG, key, ab(signature), ab(message)) : false;
      } catch {
        return false;
      }
    },
  };
}

/** True only for a valid signature. Never throws on hostile input (only ED25519_UNAVAILABLE). */
export async function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  return (await createEd25519Verifier(publicKey)).verify(message, signature);
}
