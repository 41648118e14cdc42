// Ed25519 keys as JWKs (RFC 8037: kty "OKP", crv "Ed25519", x, d) and key sets (JWKS): export,
// import (raw <-> JWK) and synchronous key-set reading. The structural checks live in jwk-core.ts
// (shared with the browser verify path); the zod wire schemas in jwk-schema.ts, tested to agree.
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64Url } from '../util/bytes.js';
import { EdgehallError } from '../util/errors.js';
import { ed25519PublicKeyFromSeed, type Ed25519KeyPair } from './ed25519.js';
import { timingSafeEqualBytes } from '../util/constant-time.js';
import {
  ed25519ThumbprintInput,
  isSignerNamespace,
  jwkBytes32,
  jwksKeyList,
  parseEd25519PublicJwk,
  type Ed25519PrivateJwk,
  type Ed25519PublicJwk,
  type ImportedPublicKey,
} from './jwk-core.js';

export * from './jwk-core.js';

export interface ImportedPrivateKey extends ImportedPublicKey {
  seed: Uint8Array;
}

/** RFC 7638 JWK thumbprint (base64url SHA-256 of the required members): the default `kid`. */
export function ed25519JwkThumbprint(publicKey: Uint8Array): string {
  return toBase64Url(sha256(ed25519ThumbprintInput(publicKey)));
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

/** Reads an Ed25519 public JWK; throws `JWK_INVALID` with the reason for anything else. */
export function importEd25519PublicJwk(jwk: unknown): ImportedPublicKey {
  const p = parseEd25519PublicJwk(jwk);
  return { publicKey: p.publicKey, kid: p.kid ?? ed25519JwkThumbprint(p.publicKey), ns: p.ns };
}

/** Reads an Ed25519 private JWK and checks that its `x` belongs to its `d`. */
export async function importEd25519PrivateJwk(jwk: unknown): Promise<ImportedPrivateKey> {
  const pub = importEd25519PublicJwk(jwk);
  const seed = jwkBytes32((jwk as Record<string, unknown>).d, 'd');
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
  const out: ImportedPublicKey[] = [];
  for (const k of jwksKeyList(jwks, maxKeys)) {
    try {
      out.push(importEd25519PublicJwk(k));
    } catch {
      // skipped: see the doc comment
    }
  }
  return out;
}
