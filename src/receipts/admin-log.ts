// The Hall's admin log: every configuration write (rules, policy, config, tenants, approvers,
// namespace keys, ban list, worker removal) is one signed entry on a single hash chain, signed
// with the same key and in the same way as receipts (Ed25519 over the ASCII hex entry_hash).
// Web-standard, no zod: verifiable anywhere from GET /admin/log and /.well-known/wcp-keys.json.
import { fromBase64Url, toHex, utf8 } from '../util/bytes.js';
import { canonicalJson } from '../util/jcs.js';
import { sha256Hex } from '../util/sha256.js';
import { sha256Async } from '../crypto/webcrypto.js';
import { brokenChain, keyLookupFrom, type ChainVerdict, type KeyLookup } from './verify.js';

/** Pinned in every entry, and therefore in every entry_hash. */
export const ADMIN_LOG_VERSION = 'edgehall.admin-log.v1';

export const ADMIN_LOG_SCHEMA_INVALID = 'ADMIN_LOG_SCHEMA_INVALID';
export const ADMIN_LOG_HASH_MISMATCH = 'ADMIN_LOG_HASH_MISMATCH';
export const ADMIN_LOG_KEY_UNKNOWN = 'ADMIN_LOG_KEY_UNKNOWN';
export const ADMIN_LOG_KEYS_INVALID = 'ADMIN_LOG_KEYS_INVALID';
export const ADMIN_LOG_SIGNATURE_INVALID = 'ADMIN_LOG_SIGNATURE_INVALID';
/** A seq is missing (an entry was deleted, or the segment is incomplete). */
export const ADMIN_LOG_GAP = 'ADMIN_LOG_GAP';
/** Two entries claim the same seq, or a seq goes backwards. */
export const ADMIN_LOG_FORK = 'ADMIN_LOG_FORK';
/** prev_entry_hash is not the previous entry's entry_hash. */
export const ADMIN_LOG_PREV_MISMATCH = 'ADMIN_LOG_PREV_MISMATCH';
export const ADMIN_LOG_CRYPTO_UNAVAILABLE = 'ADMIN_LOG_CRYPTO_UNAVAILABLE';

export interface AdminLogEntry {
  entry_version: typeof ADMIN_LOG_VERSION;
  seq: number;
  /** ISO-8601 UTC time of the write. */
  at: string;
  /** Who made the change (a principal label such as "admin"; never a token or token hash). */
  actor: string;
  /** What kind of change, e.g. "rules.put", "tenant.delete". */
  action: string;
  /** What it was applied to, e.g. the rules version or the tenant id. */
  target: string;
  /** adminContentSha256 of what was stored (null content for a deletion). */
  content_sha256: string;
  prev_entry_hash: string | null;
  signing_key_id: string;
  entry_hash: string;
  signature: string;
}

export type UnsignedAdminLogEntry = Omit<AdminLogEntry, 'entry_hash' | 'signature'>;

/** Members never hashed into content_sha256 (and never stored in the log): secrets and their hashes. */
export const ADMIN_LOG_SECRET_KEYS: readonly string[] = ['token', 'token_sha256'];

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!ADMIN_LOG_SECRET_KEYS.includes(k)) out[k] = withoutSecrets(v);
    return out;
  }
  return value;
}

/**
 * content_sha256: lowercase hex SHA-256 of the RFC 8785 canonical JSON of the stored document with
 * every `token` / `token_sha256` member removed (at any depth). A deletion hashes `null`.
 */
export function adminContentSha256(content: unknown): string {
  return sha256Hex(utf8(canonicalJson(withoutSecrets(content === undefined ? null : content))));
}

const UNHASHED = new Set(['entry_hash', 'signature']);

function hashInput(entry: object): Uint8Array {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entry)) if (!UNHASHED.has(k)) body[k] = v;
  return utf8(canonicalJson(body));
}

/** entry_hash: SHA-256 hex of the RFC 8785 canonical entry without entry_hash and signature. */
export function hashAdminLogEntry(entry: object): string {
  return sha256Hex(hashInput(entry));
}

export async function hashAdminLogEntryAsync(entry: object): Promise<string> {
  return toHex(await sha256Async(hashInput(entry)));
}

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const SIGNATURE_B64URL = /^[A-Za-z0-9_-]{86}$/;
const KNOWN = new Set(['entry_version', 'seq', 'at', 'actor', 'action', 'target', 'content_sha256', 'prev_entry_hash', 'signing_key_id', 'entry_hash', 'signature']);
const isStr = (v: unknown, max = 512): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/** Problems with an entry's shape as "field: what is wrong"; empty when well formed. */
export function adminLogEntryProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['(root): an admin log entry must be a JSON object'];
  const e = value as Record<string, unknown>;
  const p: string[] = [];
  const need = (ok: boolean, field: string, what: string): void => {
    if (!ok) p.push(`${field}: ${what}`);
  };
  for (const k of Object.keys(e)) need(KNOWN.has(k), k, 'is not a field of an admin log entry');
  need(e.entry_version === ADMIN_LOG_VERSION, 'entry_version', `must be "${ADMIN_LOG_VERSION}"`);
  const seqOk = Number.isSafeInteger(e.seq) && (e.seq as number) >= 1;
  need(seqOk, 'seq', 'must be an integer >= 1');
  if (seqOk && e.seq === 1) need(e.prev_entry_hash === null, 'prev_entry_hash', 'must be null for seq 1');
  else need(typeof e.prev_entry_hash === 'string' && HEX64.test(e.prev_entry_hash), 'prev_entry_hash', 'must be 64 lowercase hex digits after seq 1');
  need(typeof e.at === 'string' && ISO_UTC.test(e.at), 'at', 'must be ISO-8601 UTC (…Z)');
  need(isStr(e.actor, 300), 'actor', 'must be a non-empty string');
  need(typeof e.action === 'string' && /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/.test(e.action) && e.action.length <= 100, 'action', 'must be a dotted lowercase name such as rules.put');
  need(isStr(e.target), 'target', 'must be a non-empty string');
  need(typeof e.content_sha256 === 'string' && HEX64.test(e.content_sha256), 'content_sha256', 'must be 64 lowercase hex digits');
  need(isStr(e.signing_key_id, 200), 'signing_key_id', 'must be a non-empty string');
  need(typeof e.entry_hash === 'string' && HEX64.test(e.entry_hash), 'entry_hash', 'must be 64 lowercase hex digits');
  need(typeof e.signature === 'string' && SIGNATURE_B64URL.test(e.signature), 'signature', 'must be a 64-byte Ed25519 signature in base64url');
  return p;
}

/** The same shape as a receipt chain's verdict: entries verified, and where and why it broke. */
export type AdminLogVerdict = ChainVerdict;

export interface VerifyAdminLogOptions {
  /** seq of the first entry (default 1). Use after_seq + 1 when verifying a segment. */
  expectFirstSeq?: number;
  /** prev_entry_hash the first entry must carry (default: null at seq 1, unchecked otherwise). */
  expectPrevHash?: string | null;
}

/**
 * Verifies a segment of the admin log in the order given: every entry's shape, entry_hash and
 * Ed25519 signature (key named by signing_key_id in `jwks`), consecutive seqs and each
 * prev_entry_hash equal to the previous entry_hash. Reports the first bad seq; never throws.
 */
export async function verifyAdminLog(entries: readonly unknown[], jwks: unknown, opts: VerifyAdminLogOptions = {}): Promise<AdminLogVerdict> {
  let verifierFor: KeyLookup;
  try {
    verifierFor = await keyLookupFrom(jwks);
  } catch (err) {
    return { ok: false, verified: 0, code: ADMIN_LOG_KEYS_INVALID, message: `the key set is unusable: ${(err as Error).message}` };
  }
  if (!Array.isArray(entries)) return { ok: false, verified: 0, code: ADMIN_LOG_SCHEMA_INVALID, message: 'an admin log must be an array of entries.' };
  let expected = opts.expectFirstSeq ?? 1;
  let prevHash: string | null | undefined = opts.expectPrevHash !== undefined ? opts.expectPrevHash : expected === 1 ? null : undefined;
  const fail = (index: number, at: number, code: string, message: string): AdminLogVerdict => brokenChain(index, at, code, message, prevHash);
  try {
    for (let i = 0; i < entries.length; i++) {
      const raw = entries[i];
      const problems = adminLogEntryProblems(raw);
      if (problems.length > 0) return fail(i, expected, ADMIN_LOG_SCHEMA_INVALID, `entry at position ${i} is malformed (${problems.join('; ')}).`);
      const e = raw as AdminLogEntry;
      if (e.seq < expected) return fail(i, e.seq, ADMIN_LOG_FORK, `two entries claim seq ${e.seq}, or the entries are out of order.`);
      if (e.seq > expected) return fail(i, expected, ADMIN_LOG_GAP, `seq ${expected} is missing (the next entry is seq ${e.seq}): an entry was removed or the segment is incomplete.`);
      if (prevHash !== undefined && e.prev_entry_hash !== prevHash) {
        return fail(i, e.seq, ADMIN_LOG_PREV_MISMATCH, `seq ${e.seq}'s prev_entry_hash is not the entry_hash of seq ${e.seq - 1}.`);
      }
      if ((await hashAdminLogEntryAsync(e)) !== e.entry_hash) {
        return fail(i, e.seq, ADMIN_LOG_HASH_MISMATCH, `seq ${e.seq}: entry_hash does not match the entry content: a field was changed after the Hall wrote it.`);
      }
      const verifier = await verifierFor(e.signing_key_id);
      if (!verifier) {
        return fail(i, e.seq, ADMIN_LOG_KEY_UNKNOWN, `seq ${e.seq}: signing key '${e.signing_key_id}' is not in the key set: fetch /.well-known/wcp-keys.json from the Hall.`);
      }
      if (!(await verifier.verify(utf8(e.entry_hash), fromBase64Url(e.signature)))) {
        return fail(i, e.seq, ADMIN_LOG_SIGNATURE_INVALID, `seq ${e.seq}: the Ed25519 signature over entry_hash does not verify with the named key.`);
      }
      prevHash = e.entry_hash;
      expected++;
    }
  } catch (err) {
    return { ok: false, verified: 0, code: ADMIN_LOG_CRYPTO_UNAVAILABLE, message: (err as Error)?.message ?? String(err) };
  }
  return { ok: true, verified: entries.length, head_hash: prevHash ?? null };
}
