// Ed25519 with two interchangeable backends: WebCrypto where the runtime has it (workerd, Node 20,
// current browsers: native speed, keys never leave the engine) and @noble/ed25519 otherwise.
// Keys cross this module's boundary as raw bytes (32-byte seed, 32-byte public key) so both
// backends produce and accept exactly the same material.
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, fromBase64Url } from '../util/bytes.js';

// noble v3 ships only async methods unless a synchronous SHA-512 is supplied.
ed.hashes.sha512 = sha512;

export type Ed25519Backend = 'webcrypto' | 'noble';
export type Ed25519BackendPreference = Ed25519Backend | 'auto';

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
// RFC 8032 test 1 public key: a known-good point used only to probe WebCrypto support.
const PROBE_KEY = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo';

let preference: Ed25519BackendPreference = 'auto';
let detected: Promise<Ed25519Backend> | undefined;

/** WebCrypto's typings want an ArrayBuffer-backed view; copy only when the buffer is shared. */
function ab(u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u.buffer instanceof ArrayBuffer ? (u as Uint8Array<ArrayBuffer>) : new Uint8Array(u);
}

function subtle(): SubtleCrypto | undefined {
  return (globalThis.crypto as Crypto | undefined)?.subtle;
}

/** Forces a backend ('noble' is useful for tests and old runtimes); 'auto' restores detection. */
export function setEd25519Backend(pref: Ed25519BackendPreference): void {
  preference = pref;
}

/** The backend this runtime will use: WebCrypto when it can import an Ed25519 key, else noble. */
export function getEd25519Backend(): Promise<Ed25519Backend> {
  if (preference !== 'auto') return Promise.resolve(preference);
  detected ??= (async (): Promise<Ed25519Backend> => {
    const s = subtle();
    if (!s) return 'noble';
    try {
      await s.importKey('raw', ab(fromBase64Url(PROBE_KEY)), ALG, false, ['verify']);
      return 'webcrypto';
    } catch {
      return 'noble';
    }
  })();
  return detected;
}

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
  const jwk = await subtle()!.exportKey('jwk', key);
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

export interface Ed25519Verifier {
  readonly publicKey: Uint8Array;
  /** True only for a valid signature; never throws. */
  verify(message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/**
 * A verifier that imports its public key once (a chain of receipts signed by one key).
 * A malformed public key yields a verifier that rejects everything.
 */
export async function createEd25519Verifier(publicKey: Uint8Array): Promise<Ed25519Verifier> {
  const pk = publicKey instanceof Uint8Array ? publicKey.slice() : new Uint8Array(0);
  const backend = await getEd25519Backend();
  let key: CryptoKey | null = null;
  if (backend === 'webcrypto' && pk.length === 32) {
    try {
      key = await subtle()!.importKey('raw', ab(pk), ALG, false, ['verify']);
    } catch {
      key = null;
    }
  }
  return {
    publicKey: pk,
    async verify(message, signature) {
      if (pk.length !== 32 || !(signature instanceof Uint8Array) || signature.length !== 64) return false;
      try {
        if (backend === 'noble') return ed.verify(signature, message, pk, { zip215: false });
        return key ? await subtle()!.verify(ALG, key, ab(signature), ab(message)) : false;
      } catch {
        return false;
      }
    },
  };
}

/**
 * True only for a valid signature. Never throws on hostile input: a malformed key or signature
 * is simply not valid. noble runs in RFC 8032 mode (not ZIP-215) so both backends agree.
 */
export async function ed25519Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  try {
    if ((await getEd25519Backend()) === 'noble') {
      return ed.verify(signature, message, publicKey, { zip215: false });
    }
    const key = await subtle()!.importKey('raw', ab(publicKey), ALG, false, ['verify']);
    return await subtle()!.verify(ALG, key, ab(signature), ab(message));
  } catch {
    return false;
  }
}
