// Ed25519 with two interchangeable backends: WebCrypto where the runtime has it (workerd, Node 20,
// current browsers: native speed, keys never leave the engine) and @noble/ed25519 otherwise.
// Keys cross this module's boundary as raw bytes (32-byte seed, 32-byte public key) so both
// backends produce and accept exactly the same material.
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, fromBase64Url } from '../util/bytes.js';
import { arrayBufferView as ab } from './webcrypto.js';
import { ed25519Subtle, getEd25519Backend, registerEd25519Fallback } from './ed25519-verify.js';

export {
  createEd25519Verifier,
  registerEd25519Fallback,
  type Ed25519FallbackVerify,
  ed25519Verify,
  getEd25519Backend,
  setEd25519Backend,
  type Ed25519Backend,
  type Ed25519BackendPreference,
  type Ed25519Verifier,
} from './ed25519-verify.js';
import type { Ed25519Backend } from './ed25519-verify.js';

/**
 * Makes @noble/ed25519 the verifier wherever WebCrypto lacks Ed25519 (older browsers). Loading
 * this module does it already; call it explicitly when you import only the verify functions.
 * noble runs in RFC 8032 mode (zip215: false) so both backends accept the same signatures.
 */
export function enableNobleEd25519(): void {
  // noble v3 ships only async methods unless a synchronous SHA-512 is supplied.
  ed.hashes.sha512 = sha512;
  registerEd25519Fallback(async (sig, msg, pk) => ed.verify(sig, msg, pk, { zip215: false }));
}

enableNobleEd25519();

export interface Ed25519KeyPair {
  /** The 32-byte private seed (RFC 8032 "private key"; JWK `d`). */
  seed: Uint8Array;
  /** The 32-byte public key (JWK `x`). */
  publicKey: Uint8Array;
}

export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  readonly backend: Ed25519Backend;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

const ALG = { name: 'Ed25519' } as const;
// PKCS#8 wrapper for an Ed25519 seed (RFC 8410): WebCrypto cannot import a raw private key.
const PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

const subtle = ed25519Subtle;

function assertLength(bytes: Uint8Array, n: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== n) {
    throw new TypeError(`Ed25519 ${what} must be ${n} bytes`);
  }
}

async function importSeed(seed: Uint8Array): Promise<CryptoKey> {
  return subtle()!.importKey('pkcs8', ab(concatBytes([PKCS8_PREFIX, seed])), ALG, true, ['sign']);
}

/** A fresh key pair from the runtime's CSPRNG. */
export async function generateEd25519KeyPair(): Promise<Ed25519KeyPair> {
  const seed = crypto.getRandomValues(new Uint8Array(32));
  return { seed, publicKey: await ed25519PublicKeyFromSeed(seed) };
}

/** Derives the public key of a 32-byte seed. */
export async function ed25519PublicKeyFromSeed(seed: Uint8Array): Promise<Uint8Array> {
  assertLength(seed, 32, 'seed');
  if ((await getEd25519Backend()) === 'noble') return ed.getPublicKey(seed);
  const key = await importSeed(seed);
  // workers-types declares exportKey as ArrayBuffer | JsonWebKey whatever the format; 'jwk' gives a JWK.
  const jwk = (await subtle()!.exportKey('jwk', key)) as JsonWebKey;
  return fromBase64Url(jwk.x ?? '');
}

/** A signer that imports its key once (signing many receipts should not re-import each time). */
export async function createEd25519Signer(seed: Uint8Array): Promise<Ed25519Signer> {
  assertLength(seed, 32, 'seed');
  const backend = await getEd25519Backend();
  const publicKey = await ed25519PublicKeyFromSeed(seed);
  if (backend === 'noble') {
    const copy = seed.slice();
    return { publicKey, backend, sign: async (m) => ed.sign(m, copy) };
  }
  const key = await importSeed(seed);
  return {
    publicKey,
    backend,
    sign: async (m) => new Uint8Array(await subtle()!.sign(ALG, key, ab(m))),
  };
}

/** A 64-byte Ed25519 signature of `message`. */
export async function ed25519Sign(seed: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  return (await createEd25519Signer(seed)).sign(message);
}
