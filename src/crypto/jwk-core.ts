// Reading Ed25519 public JWKs and key sets on the verify path: structural checks by hand (no
// zod) and the RFC 7638 thumbprint through WebCrypto, to fit the browser verify bundle.
import { fromBase64Url, toBase64Url, utf8 } from '../util/bytes.js';
import { EdgehallError } from '../util/errors.js';
import { sha256Async } from './webcrypto.js';

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

/** `org.<name>` or `x.<name>`: lowercase letters, digits and hyphens (WCP ID grammar). */
export function isSignerNamespace(value: unknown): value is string {
  return typeof value === 'string' && /^(?:org|x)\.[a-z0-9](?:[a-z0-9-]{0,62})$/.test(value);
}

/** The RFC 7638 thumbprint input: the required members in lexicographic order. */
export function ed25519ThumbprintInput(publicKey: Uint8Array): Uint8Array {
  return utf8(`{"crv":"Ed25519","kty":"OKP","x":"${toBase64Url(publicKey)}"}`);
}

export function jwkBytes32(value: unknown, member: string): Uint8Array {
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

/** Structural check of an Ed25519 public JWK; `kid` is null when the JWK has none. */
export function parseEd25519PublicJwk(jwk: unknown): { publicKey: Uint8Array; kid: string | null; ns: string | null } {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw new EdgehallError('JWK_INVALID', 'a JWK must be a JSON object.');
  }
  const j = jwk as Record<string, unknown>;
  if (j.kty !== 'OKP' || j.crv !== 'Ed25519') {
    throw new EdgehallError('JWK_INVALID', 'only Ed25519 keys are accepted: kty "OKP", crv "Ed25519".');
  }
  const publicKey = jwkBytes32(j.x, 'x');
  if (j.kid !== undefined && (typeof j.kid !== 'string' || j.kid.length === 0)) {
    throw new EdgehallError('JWK_INVALID', 'JWK member kid must be a non-empty string.');
  }
  if (j.ns !== undefined && !isSignerNamespace(j.ns)) {
    throw new EdgehallError('JWK_INVALID', 'JWK member ns must be org.<name> or x.<name>.');
  }
  return { publicKey, kid: (j.kid as string | undefined) ?? null, ns: (j.ns as string | undefined) ?? null };
}

/** The key list of a JWKS; throws JWKS_INVALID unless it is `{keys: [...]}` of a bounded size. */
export function jwksKeyList(jwks: unknown, maxKeys = 1000): unknown[] {
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(keys)) {
    throw new EdgehallError('JWKS_INVALID', 'a key set must be a JSON object {"keys": [...]}.');
  }
  if (keys.length > maxKeys) throw new EdgehallError('JWKS_INVALID', `a key set may hold at most ${maxKeys} keys.`);
  return keys;
}

/**
 * readJwks for the verify path (async: a key without `kid` gets its RFC 7638 thumbprint through
 * WebCrypto). Entries that are not well-formed Ed25519 keys are skipped; they can never match.
 */
export async function readJwksAsync(jwks: unknown): Promise<ImportedPublicKey[]> {
  const out: ImportedPublicKey[] = [];
  for (const k of jwksKeyList(jwks)) {
    let parsed;
    try {
      parsed = parseEd25519PublicJwk(k);
    } catch {
      continue;
    }
    const kid = parsed.kid ?? toBase64Url(await sha256Async(ed25519ThumbprintInput(parsed.publicKey)));
    out.push({ publicKey: parsed.publicKey, kid, ns: parsed.ns });
  }
  return out;
}
