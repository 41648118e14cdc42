// The Hall's generation: one D1 row bumped by every configuration change, in the same batch as the
// change itself, so "the change happened" and "every isolate will notice" cannot come apart.
// Also the revocation list: token hashes that stop working as soon as an isolate sees the new
// generation, whatever KV's edge caches still hold.
import { StoreUnavailableError } from './errors.js';

export function bumpGenerationStatement(db: D1Database, at = new Date().toISOString()): D1PreparedStatement {
  return db.prepare('UPDATE hall_meta SET generation = generation + 1, updated_at = ?1 WHERE id = 1').bind(at);
}

export function revokeTokenStatement(db: D1Database, tokenSha256: string, at: string): D1PreparedStatement {
  return db.prepare('INSERT OR IGNORE INTO revoked_tokens (token_sha256, revoked_at) VALUES (?1, ?2)').bind(tokenSha256, at);
}

export interface HallState {
  generation: number;
  /** SHA-256 hex of every revoked token. */
  revoked: ReadonlySet<string>;
}

/** Reads the generation (one small query); the revocation list only when `withRevoked`. */
export async function readGeneration(db: D1Database): Promise<number> {
  try {
    const row = await db.prepare('SELECT generation FROM hall_meta WHERE id = 1').first<{ generation: number }>();
    return row?.generation ?? 0;
  } catch (err) {
    throw new StoreUnavailableError('d1', 'readGeneration', err);
  }
}

export async function readRevokedTokens(db: D1Database): Promise<Set<string>> {
  try {
    const { results } = await db.prepare('SELECT token_sha256 FROM revoked_tokens').all<{ token_sha256: string }>();
    return new Set(results.map((r) => r.token_sha256));
  } catch (err) {
    throw new StoreUnavailableError('d1', 'readRevokedTokens', err);
  }
}
