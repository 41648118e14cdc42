// Admin writes are evidence: each one appends a signed entry to the admin log (D1 `admin_log`,
// migrations/0005) and bumps the Hall generation in the SAME D1 batch, so "recorded" and "every
// isolate reloads" cannot come apart. Token revocations of the change ride in the same batch.
// The chain is guarded like the receipt chains: UNIQUE seq plus a link trigger; a writer that
// loses the race for a seq re-reads the head, rebuilds, re-signs and retries.
import {
  ADMIN_LOG_VERSION,
  adminContentSha256,
  hashAdminLogEntry,
  type AdminLogEntry,
  type UnsignedAdminLogEntry,
} from '../src/receipts/admin-log.js';
import { toBase64Url, utf8 } from '../src/util/index.js';
import type { RequestContext } from './context.js';
import { principalLabel, type Principal } from './http/auth.js';
import { HallHttpError } from './http/problem.js';
import { StoreUnavailableError } from './stores/errors.js';
import { bumpGenerationStatement, revokeTokenStatement } from './stores/hall-state.js';

export interface AdminChange {
  /** Dotted lowercase verb, e.g. "rules.put", "tenant.delete". */
  action: string;
  /** What the change applies to (rules version, tenant id, namespace, …). */
  target: string;
  /** What was stored (null for a deletion). `token` / `token_sha256` members are never hashed. */
  content: unknown;
  /** SHA-256 hex of tokens that must stop working (rotated or deleted principals). */
  revokeTokenHashes?: readonly string[];
  /** Further D1 statements that belong to the same change (written atomically with the entry). */
  statements?: readonly D1PreparedStatement[];
  /** Who made the change; defaults to "admin" (the only principal admin routes admit). */
  actor?: Principal;
}

// Admin writes are rare; a burst of them from several isolates settles within a few rounds.
const MAX_ATTEMPTS = 16;
// Lost the race for a seq, or our predecessor is not the head any more: rebuild on the real head.
const LOG_CONFLICT = /UNIQUE constraint failed: admin_log\.(seq|entry_hash)|admin log chain link missing/;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Head {
  seq: number;
  entry_hash: string;
}

/**
 * Records one admin change: signed log entry + generation bump (+ revocations, + the caller's own
 * statements) in one D1 batch, then tells this isolate to reload. Returns the entry written.
 * Throws 503 (nothing recorded) when the signing key or D1 is unavailable.
 */
export async function recordAdminChange(ctx: RequestContext, change: AdminChange): Promise<AdminLogEntry> {
  try {
    return await writeEntry(ctx, change);
  } finally {
    // Whatever happened to the log, this isolate must not keep serving what it cached before
    // the (already stored) change.
    ctx.runtime.configChanged();
  }
}

async function writeEntry(ctx: RequestContext, change: AdminChange): Promise<AdminLogEntry> {
  const signer = await ctx.runtime.signer.get(ctx.env.HALL_SIGNING_KEY);
  await ctx.runtime.signer.ensureRecorded(signer, ctx.stores.evidence);
  const db = ctx.env.HALL_DB;
  const content_sha256 = adminContentSha256(change.content);
  const actor = change.actor ? principalLabel(change.actor) : 'admin';
  for (let attempt = 1; ; attempt++) {
    let head: Head | null;
    try {
      head = await db.prepare('SELECT seq, entry_hash FROM admin_log ORDER BY seq DESC LIMIT 1').first<Head>();
    } catch (err) {
      throw new StoreUnavailableError('d1', 'adminLogHead', err);
    }
    const at = new Date().toISOString();
    const unsigned: UnsignedAdminLogEntry = {
      entry_version: ADMIN_LOG_VERSION,
      seq: head ? head.seq + 1 : 1,
      at,
      actor,
      action: change.action,
      target: change.target,
      content_sha256,
      prev_entry_hash: head ? head.entry_hash : null,
      signing_key_id: signer.kid,
    };
    const entry_hash = hashAdminLogEntry(unsigned);
    const signature = toBase64Url(await signer.ed.sign(utf8(entry_hash)));
    const entry: AdminLogEntry = { ...unsigned, entry_hash, signature };
    const stmts: D1PreparedStatement[] = [
      db
        .prepare(
          `INSERT INTO admin_log (seq, entry_version, at, actor, action, target, content_sha256, prev_entry_hash, entry_hash, signature, signing_key_id)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`,
        )
        .bind(entry.seq, entry.entry_version, entry.at, entry.actor, entry.action, entry.target, entry.content_sha256, entry.prev_entry_hash, entry.entry_hash, entry.signature, entry.signing_key_id),
      bumpGenerationStatement(db, at),
      ...[...new Set(change.revokeTokenHashes ?? [])].map((h) => revokeTokenStatement(db, h, at)),
      ...(change.statements ?? []),
    ];
    try {
      await db.batch(stmts);
      return entry;
    } catch (err) {
      const message = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : String(err);
      if (!LOG_CONFLICT.test(message)) throw new StoreUnavailableError('d1', 'recordAdminChange', err);
      if (attempt >= MAX_ATTEMPTS) {
        throw new HallHttpError(
          503,
          'ADMIN_LOG_CONTENDED',
          'Other admin writes kept taking the next admin-log position, so this change was stored but not yet recorded in the admin log. Repeat the same request.',
          { action: change.action },
        );
      }
      await sleep(1 + Math.floor(Math.random() * Math.min(200, 10 * attempt)));
    }
  }
}

/** One stored row of `admin_log` as the wire entry (the row holds exactly the hashed fields). */
export function adminLogEntryOf(row: Record<string, unknown>): AdminLogEntry {
  return {
    entry_version: row['entry_version'] as AdminLogEntry['entry_version'],
    seq: row['seq'] as number,
    at: row['at'] as string,
    actor: row['actor'] as string,
    action: row['action'] as string,
    target: row['target'] as string,
    content_sha256: row['content_sha256'] as string,
    prev_entry_hash: (row['prev_entry_hash'] as string | null) ?? null,
    signing_key_id: row['signing_key_id'] as string,
    entry_hash: row['entry_hash'] as string,
    signature: row['signature'] as string,
  };
}

/** Entries with seq > afterSeq, oldest first. */
export async function readAdminLog(db: D1Database, afterSeq: number, limit: number): Promise<AdminLogEntry[]> {
  try {
    const { results } = await db
      .prepare(
        `SELECT seq, entry_version, at, actor, action, target, content_sha256, prev_entry_hash, entry_hash, signature, signing_key_id
         FROM admin_log WHERE seq > ?1 ORDER BY seq LIMIT ?2`,
      )
      .bind(afterSeq, limit)
      .all<Record<string, unknown>>();
    return results.map(adminLogEntryOf);
  } catch (err) {
    throw new StoreUnavailableError('d1', 'readAdminLog', err);
  }
}

/** The target of the newest entry for `action` (null when there is none). */
export async function lastAdminTarget(db: D1Database, action: string): Promise<string | null> {
  try {
    const row = await db.prepare('SELECT target FROM admin_log WHERE action = ?1 ORDER BY seq DESC LIMIT 1').bind(action).first<{ target: string }>();
    return row?.target ?? null;
  } catch (err) {
    throw new StoreUnavailableError('d1', 'lastAdminTarget', err);
  }
}
