// The Hall's receipt signer, loaded once per isolate from the HALL_SIGNING_KEY secret (an Ed25519
// private JWK as JSON). Its public key is recorded in D1 before the first receipt it signs, so
// /.well-known/wcp-keys.json keeps listing it after a rotation.
import { createEd25519Signer, exportEd25519PublicJwk, importEd25519PrivateJwk, type Ed25519PublicJwk, type Ed25519Signer } from '../src/crypto/index.js';
import { HallHttpError } from './http/problem.js';
import type { EvidenceStore } from './stores/evidence-store.js';

export interface HallSigner {
  kid: string;
  publicJwk: Ed25519PublicJwk;
  /** The imported key (imported once per isolate). */
  ed: Ed25519Signer;
}

function unavailable(why: string): HallHttpError {
  return new HallHttpError(503, 'HALL_SIGNING_KEY_UNAVAILABLE', `The Hall cannot sign receipts (${why}), so it refuses to decide. Set HALL_SIGNING_KEY to an Ed25519 private JWK (npm start creates one in .dev.vars).`);
}

// Workers must not share a *pending* promise between requests (the request that created it may
// end first, and cross-request settlement is refused), so caches here hold settled values only:
// concurrent cold requests each load, the first to finish fills the cache.
export class SignerCache {
  private source: string | undefined;
  private value: HallSigner | undefined;
  /** `kid x` of keys known to be in D1 `signing_keys` under their kid. */
  private readonly recorded = new Set<string>();
  /** `kid x` of keys refused because their kid names another recorded key (a D1 row never changes). */
  private readonly refused = new Set<string>();

  /** The signer for the current secret value (re-imported only when the secret changes). */
  async get(secret: string | undefined): Promise<HallSigner> {
    if (!secret) throw unavailable('HALL_SIGNING_KEY is not set');
    if (secret === this.source && this.value) return this.value;
    const signer = await load(secret);
    this.source = secret;
    this.value = signer;
    return signer;
  }

  /**
   * Records the signer's public key in D1 once per isolate, and refuses to sign when its kid is
   * already recorded for a different public key: receipts name their key by kid only, so reusing
   * one would make the key set serve one of the two keys and orphan the other's receipts. The
   * recorded key is never overwritten (INSERT OR IGNORE, then read back what D1 holds).
   */
  async ensureRecorded(signer: HallSigner, evidence: EvidenceStore): Promise<void> {
    const id = `${signer.kid} ${signer.publicJwk.x}`;
    if (this.recorded.has(id)) return;
    if (this.refused.has(id)) throw kidReused(signer.kid);
    await evidence.recordSigningKey(signer.kid, JSON.stringify(signer.publicJwk), new Date().toISOString());
    const row = (await evidence.listSigningKeys()).find((r) => r.kid === signer.kid);
    if (!row) throw unavailable('its public key could not be recorded in D1');
    if (recordedX(row.public_jwk) !== signer.publicJwk.x) {
      this.refused.add(id);
      throw kidReused(signer.kid);
    }
    this.recorded.add(id);
  }
}

/** The `x` of a recorded public JWK (null when the row is unreadable: never equal to a real key). */
export function recordedX(publicJwk: string): string | null {
  try {
    const x = (JSON.parse(publicJwk) as { x?: unknown }).x;
    return typeof x === 'string' ? x : null;
  } catch {
    return null;
  }
}

function kidReused(kid: string): HallHttpError {
  return new HallHttpError(
    503,
    'HALL_SIGNING_KEY_KID_REUSED',
    `The kid of HALL_SIGNING_KEY (${kid.slice(0, 200)}) already names a different key that signed earlier receipts, so the Hall refuses to sign with it. Give the new key its own kid (or drop "kid" from the JWK to use its RFC 7638 thumbprint).`,
  );
}

async function load(secret: string): Promise<HallSigner> {
  let jwk: unknown;
  try {
    jwk = JSON.parse(secret);
  } catch {
    throw unavailable('HALL_SIGNING_KEY is not JSON');
  }
  let imported;
  try {
    imported = await importEd25519PrivateJwk(jwk);
  } catch {
    throw unavailable('HALL_SIGNING_KEY is not a valid Ed25519 private JWK');
  }
  const signer = await createEd25519Signer(imported.seed);
  const publicJwk = exportEd25519PublicJwk(imported.publicKey, { kid: imported.kid });
  publicJwk.alg = 'EdDSA';
  publicJwk.use = 'sig';
  return { kid: imported.kid, publicJwk, ed: signer };
}
