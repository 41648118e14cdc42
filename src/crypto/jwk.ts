// Ed25519 keys as JWKs (RFC 8037: kty "OKP", crv "Ed25519", x, d) and key sets (JWKS).
// Hand-written structural checks, no zod: this file is on the browser verify path, which has a
// 12 KB gzip budget. The zod wire schemas live in jwk-schema.ts and are tested to agree.
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, toBase64Url, utf8 } from '../util/bytes.js';
import { EdgehallError } from '../util/errors.js';
import { ed25519PublicKeyFromSeed, type Ed25519KeyPair } from './ed25519.js';
import { timingSafeEqualBytes } from '../util/constant-time.js';

export interface Ed25519PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  /** base64url public key, 32 bytes. */
  x: string;
  kid?: string;
  /** edgehall extension: the signer namespace (`org.<name>` / `x.<name>`) this key speaks for. */
  ns?: string;
  alg?: string;
  use?: string;
}

export interface Ed25519PrivateJwk extends Ed25519PublicJwk {
  /** base64url private seed, 32 bytes. Never publish. */
  d: string;
}

export interface Jwks {
  keys: Ed25519PublicJwk[];
}

/** A public key taken out of a JWK, with what it is bound to. */
export interface ImportedPublicKey {
  publicKey: Uint8Array;
  kid: string;
  ns: string | null;
}

export interface ImportedPrivateKey extends ImportedPublicKey {
  seed: Uint8Array;
}

/** `org.<name>` or `x.<name>`: lowercase letters, digits and hyphens (WCP ID grammar). */
export function isSignerNamespace(value: unknown): value is string {
  return typeof value === 'string' && /^(?:org|x)\.[a-z0-9](?:[a-z0-9-]{0,62})$/.test(value);
}

/** RFC 7638 JWK thumbprint (base64url SHA-256 of the required members): the default `kid`. */
export function ed25519JwkThumbprint(publicKey: Uint8Array): string {
  const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${toBase64Url(publicKey)}"}`;
  return toBase64Url(sha256(utf8(canonical)));
}

export interface JwkExportOptions {
  /** Key id; defaults to the RFC 7638 thumbprint. */
  kid?: string;
  /** Signer namespace the key is registered for. */
  ns?: string;
}

function checkExportOptions(opts: JwkExportOptions): void {
  if (opts.ns !== undefined && !isSignerNamespace(opts.ns)) {
    throw new EdgehallError('JWK_INVALID', `namespace '${opts.ns}' is not org.<name> or x.<name> (lowercase letters, digits, hyphens).`);
  }
  if (opts.kid !== undefined && (typeof opts.kid !== 'string' || opts.kid.length === 0 || opts.kid.length > 200)) {
    throw new EdgehallError('JWK_INVALID', 'kid must be a non-empty string of at most 200 characters.');
  }
}

export function exportEd25519PublicJwk(publicKey: Uint8Array, opts: JwkExportOptions = {}): Ed25519PublicJwk {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw new EdgehallError('JWK_INVALID', 'an Ed25519 public key is 32 bytes.');
  }
  checkExportOptions(opts);
  const jwk: Ed25519PublicJwk = {
    kty: 'OKP',
    crv: 'Ed25519',
    x: toBase64Url(publicKey),
    kid: opts.kid ?? ed25519JwkThumbprint(publicKey),
  };
  if (opts.ns !== undefined) jwk.ns = opts.ns;
  return jwk;
}

export function exportEd25519PrivateJwk(pair: Ed25519KeyPair, opts: JwkExportOptions = {}): Ed25519PrivateJwk {
  if (!(pair.seed instanceof Uint8Array) || pair.seed.length !== 32) {
    throw new EdgehallError('JWK_INVALID', 'an Ed25519 seed is 32 bytes.');
  }
  const pub = exportEd25519PublicJwk(pair.publicKey, opts);
  return { ...pub, d: toBase64Url(pair.seed) };
}

function bytes32(value: unknown, member: string): Uint8Array {
  let out: Uint8Array | null = null;
  if (typeof value === 'string') {
    try {
      out = fromBase64Url(value);
    } catch {
      out = null;
    }
  }
  if (!out || out.length !== 32) {
    throw new EdgehallError('JWK_INVALID', `JWK member '${member}' must be 32 bytes of unpadded base64url.`);
  }
  return out;
}

/** Reads an Ed25519 public JWK; throws `JWK_INVALID` with the reason for anything else. */
export function importEd25519PublicJwk(jwk: unknown): ImportedPublicKey {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new EdgehallError('JWK_INVALID', 'a JWK must be a JSON object.');
  }
  const j = jwk as Record<string, unknown>;
  if (j.kty !== 'OKP' || j.crv !== 'Ed25519') {
    throw new EdgehallError('JWK_INVALID', 'only Ed25519 keys are accepted: kty "OKP", crv "Ed25519".');
  }
  const publicKey = bytes32(j.x, 'x');
  if (j.kid !== undefined && (typeof j.kid !== 'string' || j.kid.length === 0)) {
    throw new EdgehallError('JWK_INVALID', 'JWK member kid must be a non-empty string.');
  }
  if (j.ns !== undefined && !isSignerNamespace(j.ns)) {
    throw new EdgehallError('JWK_INVALID', 'JWK member ns must be org.<name> or x.<name>.');
  }
  return {
    publicKey,
    kid: (j.kid as string | undefined) ?? ed25519JwkThumbprint(publicKey),
    ns: (j.ns as string | undefined) ?? null,
  };
}

/** Reads an Ed25519 private JWK and checks that its `x` belongs to its `d`. */
export async function importEd25519PrivateJwk(jwk: unknown): Promise<ImportedPrivateKey> {
  const pub = importEd25519PublicJwk(jwk);
  const seed = bytes32((jwk as Record<string, unknown>).d, 'd');
  const derived = await ed25519PublicKeyFromSeed(seed);
  if (!timingSafeEqualBytes(derived, pub.publicKey)) {
    throw new EdgehallError('JWK_INVALID', "the JWK's x is not the public key of its d; regenerate the key file.");
  }
  return { ...pub, seed };
}

/**
 * The usable keys of a JWKS. Entries that are not Ed25519 or are malformed are skipped (a key
 * set may carry other key types); a value that is not `{keys: [...]}` throws `JWKS_INVALID`.
 */
export function readJwks(jwks: unknown, maxKeys = 1000): ImportedPublicKey[] {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(keys)) {
    throw new EdgehallError('JWKS_INVALID', 'a key set must be a JSON object {"keys": [...]}.');
  }
  if (keys.length > maxKeys) {
    throw new EdgehallError('JWKS_INVALID', `a key set may hold at most ${maxKeys} keys.`);
  }
  const out: ImportedPublicKey[] = [];
  for (const k of keys) {
    try {
      out.push(importEd25519PublicJwk(k));
    } catch {
      // skipped: see the doc comment
    }
  }
  return out;
}
