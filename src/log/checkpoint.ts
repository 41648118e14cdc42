// C2SP signed notes (c2sp.org/signed-note) carrying C2SP tlog-checkpoint bodies
// (c2sp.org/tlog-checkpoint): origin line, decimal tree size, base64 root hash, optional
// extension lines; a blank line; then one line per signature, `— <key name> base64(key ID ‖ sig)`.
// Ed25519 only (signature type 0x01), key ID = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4].
// Web-standard, no zod: fits the browser verify bundle. Parsing is strict and never throws.
import { concatBytes, decodeUtf8Strict, utf8 } from '../util/bytes.js';
import { EdgehallError } from '../util/errors.js';
import { sha256 } from '../util/sha256.js';
import { createEd25519Verifier } from '../crypto/ed25519-verify.js';
import { readJwksAsync } from '../crypto/jwk-core.js';
import { fromBase64Std, toBase64Std } from './base64.js';
import type { LogHash } from './merkle.js';
import * as C from './codes.js';

/** Notes larger than this are refused before parsing (a checkpoint with 100 signatures is under 12 KB). */
export const MAX_NOTE_BYTES = 64 * 1024;
/** At most this many signature lines (the spec asks verifiers to accept at least 16; Go's note package allows 100). */
export const MAX_NOTE_SIGNATURES = 100;

const EM_DASH = '\u2014';
const ED25519_TYPE = 0x01;
// ASCII control characters other than newline (signed-note: MUST NOT appear anywhere).
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const SIZE_LINE = /^(?:0|[1-9][0-9]*)$/;

export interface NoteSignature {
  key_name: string;
  /** The 32-bit key ID (big-endian first four bytes of the decoded signature). */
  key_id: number;
  /** The signature bytes after the key ID (64 for Ed25519). */
  signature: Uint8Array;
}

/** Anything that signs bytes with an Ed25519 key (an `Ed25519Signer` from createEd25519Signer fits). */
export interface NoteSigner {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export type ParsedNote =
  | { ok: true; text: string; signatures: NoteSignature[] }
  | { ok: false; code: string; message: string };

export interface CheckpointFields {
  origin: string;
  tree_size: number;
  /** 32 bytes, or its padded standard base64. */
  root_hash: LogHash;
  extensions?: readonly string[];
}

export type ParsedCheckpoint =
  | {
      ok: true;
      origin: string;
      tree_size: number;
      /** Padded standard base64, as in the note. */
      root_hash: string;
      extensions: string[];
      /** The signed note text (the body, ending in its newline). */
      text: string;
      signatures: NoteSignature[];
    }
  | { ok: false; code: string; message: string };

export interface VerifyNoteOptions {
  /** The key name the signature line must carry. For a checkpoint it defaults to the origin line. */
  keyName?: string;
  /** The 32-byte Ed25519 public key (JWK `x`)… */
  publicKey?: Uint8Array;
  /** …or a JWKS whose Ed25519 keys may have signed (the Hall's /.well-known/wcp-keys.json). */
  jwks?: unknown;
}

export interface VerifyCheckpointOptions extends VerifyNoteOptions {
  /** The origin line the checkpoint must have (pin it: one Hall key signs every tenant's log). */
  origin?: string;
}

export interface CheckpointVerdict {
  ok: boolean;
  origin?: string;
  tree_size?: number;
  root_hash?: string;
  extensions?: string[];
  code?: string;
  message?: string;
}

/** signed-note key names: non-empty, no Unicode spaces, no '+', no control characters. */
export function isNoteKeyName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && !/[\s+]/u.test(name) && !CONTROL.test(name) && !LONE_SURROGATE.test(name);
}

/** The signed-note key ID of an Ed25519 key: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], big-endian. */
export function noteKeyId(keyName: string, publicKey: Uint8Array): number {
  const h = sha256(concatBytes([utf8(keyName), new Uint8Array([0x0a, ED25519_TYPE]), publicKey]));
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

function fail(code: string, message: string): { ok: false; code: string; message: string } {
  return { ok: false, code, message };
}

const MALFORMED = (why: string) => fail(C.LOG_CHECKPOINT_MALFORMED, `the signed note is malformed: ${why}.`);

/** Problems with a note text (the signed part), or null when it may be signed. */
function noteTextProblem(text: string): string | null {
  if (text.length === 0 || !text.endsWith('\n')) return 'its text must end with a newline';
  if (CONTROL.test(text)) return 'it contains an ASCII control character other than newline';
  if (LONE_SURROGATE.test(text)) return 'it is not valid UTF-8';
  return null;
}

/** Splits a signed note into its text and signature lines (strict C2SP signed-note syntax). */
export function parseNote(note: string | Uint8Array): ParsedNote {
  let s: string;
  if (note instanceof Uint8Array) {
    if (note.length > MAX_NOTE_BYTES) return MALFORMED(`it is larger than ${MAX_NOTE_BYTES} bytes`);
    try {
      s = decodeUtf8Strict(note);
    } catch {
      return MALFORMED('it is not valid UTF-8');
    }
  } else if (typeof note === 'string') {
    // A UTF-16 string is never shorter than its code units; its UTF-8 is at most three bytes a unit.
    if (note.length > MAX_NOTE_BYTES || (note.length * 3 > MAX_NOTE_BYTES && utf8(note).length > MAX_NOTE_BYTES)) {
      return MALFORMED(`it is larger than ${MAX_NOTE_BYTES} bytes`);
    }
    s = note;
  } else {
    return MALFORMED('it must be text');
  }
  const problem = noteTextProblem(s);
  if (problem) return MALFORMED(problem);
  const split = s.lastIndexOf('\n\n');
  if (split < 0) return MALFORMED('there is no blank line before the signatures');
  const text = s.slice(0, split + 1);
  const lines = s.slice(split + 2, -1).split('\n');
  if (lines.length === 1 && lines[0] === '') return MALFORMED('it has no signature lines');
  if (lines.length > MAX_NOTE_SIGNATURES) return MALFORMED(`it has more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const m = /^\u2014 (\S+) (\S+)$/u.exec(line);
    if (!m || !isNoteKeyName(m[1])) return MALFORMED(`'${line.slice(0, 80)}' is not a signature line (${EM_DASH} <key name> <base64 signature>)`);
    let raw: Uint8Array;
    try {
      raw = fromBase64Std(m[2]!);
    } catch {
      return MALFORMED(`the signature of '${m[1]}' is not padded standard base64`);
    }
    if (raw.length <= 4) return MALFORMED(`the signature of '${m[1]}' is too short`);
    const key_id = ((raw[0]! << 24) | (raw[1]! << 16) | (raw[2]! << 8) | raw[3]!) >>> 0;
    signatures.push({ key_name: m[1]!, key_id, signature: raw.slice(4) });
  }
  return { ok: true, text, signatures };
}

type BodyFields = { origin: string; tree_size: number; root_hash: string; extensions: string[] };

function parseBody(text: string): BodyFields | string {
  if (!text.endsWith('\n')) return 'the checkpoint body must end with a newline';
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) return 'a checkpoint body has at least three lines (origin, tree size, root hash)';
  if (lines.some((l) => l.length === 0)) return 'checkpoint lines (origin, size, root and extensions) must be non-empty';
  const [origin, size, root] = lines as [string, string, string];
  if (!SIZE_LINE.test(size)) return 'the tree size line must be a decimal number without leading zeros';
  const tree_size = Number(size);
  if (!Number.isSafeInteger(tree_size)) return 'the tree size is larger than 2^53 - 1';
  let rootBytes: Uint8Array;
  try {
    rootBytes = fromBase64Std(root);
  } catch {
    return 'the root hash line is not padded standard base64';
  }
  if (rootBytes.length !== 32) return 'the root hash is not 32 bytes';
  return { origin, tree_size, root_hash: root, extensions: lines.slice(3) };
}

/** Reads a signed checkpoint strictly (note syntax and body); signatures are not verified here. */
export function parseCheckpoint(note: string | Uint8Array): ParsedCheckpoint {
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const body = parseBody(parsed.text);
  if (typeof body === 'string') return MALFORMED(body);
  return { ok: true, ...body, text: parsed.text, signatures: parsed.signatures };
}

/** The checkpoint body (note text): origin, tree size, root hash, extension lines, each ending in a newline. */
export function formatCheckpoint(fields: CheckpointFields): string {
  const bad = (why: string): never => {
    throw new EdgehallError(C.LOG_RANGE_INVALID, `cannot format the checkpoint: ${why}.`);
  };
  const { origin, tree_size, root_hash } = fields;
  const extensions = fields.extensions ?? [];
  const lineOk = (l: unknown) => typeof l === 'string' && l.length > 0 && !l.includes('\n') && !CONTROL.test(l) && !LONE_SURROGATE.test(l);
  if (!lineOk(origin)) bad('the origin must be one non-empty line of text');
  if (!Number.isSafeInteger(tree_size) || tree_size < 0) bad('tree_size must be a non-negative integer below 2^53');
  let root: Uint8Array | null = null;
  try {
    root = typeof root_hash === 'string' ? fromBase64Std(root_hash) : root_hash;
  } catch {
    root = null;
  }
  if (!(root instanceof Uint8Array) || root.length !== 32) bad('root_hash must be 32 bytes (or their padded standard base64)');
  if (!extensions.every(lineOk)) bad('extension lines must be non-empty single lines of text');
  return [origin, String(tree_size), toBase64Std(root!), ...extensions].map((l) => `${l}\n`).join('');
}

/** Signs a note text with an Ed25519 key: returns the signed note (text, blank line, one signature line). */
export async function signNote(text: string, keyName: string, signer: NoteSigner): Promise<string> {
  const problem = typeof text === 'string' ? noteTextProblem(text) : 'it must be text';
  if (problem) throw new EdgehallError(C.LOG_CHECKPOINT_MALFORMED, `cannot sign the note: ${problem}.`);
  if (!isNoteKeyName(keyName)) {
    throw new EdgehallError(C.LOG_CHECKPOINT_MALFORMED, 'cannot sign the note: the key name must be non-empty, without spaces or "+".');
  }
  const pk = signer?.publicKey;
  if (!(pk instanceof Uint8Array) || pk.length !== 32) throw new EdgehallError(C.LOG_CHECKPOINT_KEYS_INVALID, 'the signer must expose its 32-byte Ed25519 public key.');
  const sig = await signer.sign(utf8(text));
  if (!(sig instanceof Uint8Array) || sig.length !== 64) throw new EdgehallError(C.LOG_CHECKPOINT_KEYS_INVALID, 'the signer did not return a 64-byte Ed25519 signature.');
  const id = noteKeyId(keyName, pk);
  const idBytes = new Uint8Array([id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);
  return `${text}\n${EM_DASH} ${keyName} ${toBase64Std(concatBytes([idBytes, sig]))}\n`;
}

/** Signs a checkpoint body (see formatCheckpoint). The Hall's key name is the origin line. */
export async function signCheckpoint(body: string, keyName: string, signer: NoteSigner): Promise<string> {
  const fields = typeof body === 'string' ? parseBody(body) : 'the body must be text';
  if (typeof fields === 'string') throw new EdgehallError(C.LOG_CHECKPOINT_MALFORMED, `cannot sign the checkpoint: ${fields}.`);
  return signNote(body, keyName, signer);
}

type KeyCandidate = { id: number; publicKey: Uint8Array };

async function keyCandidates(keyName: string, options: VerifyNoteOptions): Promise<KeyCandidate[] | { ok: false; code: string; message: string }> {
  if (options.publicKey !== undefined) {
    const pk = options.publicKey;
    if (!(pk instanceof Uint8Array) || pk.length !== 32) return fail(C.LOG_CHECKPOINT_KEYS_INVALID, 'publicKey must be the 32-byte Ed25519 public key (JWK x).');
    return [{ id: noteKeyId(keyName, pk), publicKey: pk }];
  }
  if (options.jwks !== undefined) {
    try {
      return (await readJwksAsync(options.jwks)).map((k) => ({ id: noteKeyId(keyName, k.publicKey), publicKey: k.publicKey }));
    } catch (err) {
      if ((err as { code?: unknown }).code === 'CRYPTO_UNAVAILABLE') throw err;
      return fail(C.LOG_CHECKPOINT_KEYS_INVALID, `the key set is not usable: ${(err as Error).message}`);
    }
  }
  return fail(C.LOG_CHECKPOINT_KEYS_INVALID, 'pass publicKey or jwks: the key the note must be signed with.');
}

/**
 * signed-note verification: signatures by other keys are ignored; a signature by the expected key
 * (name and key ID match) must verify, and at least one must exist.
 */
async function verifySignatures(text: string, signatures: readonly NoteSignature[], keyName: string, options: VerifyNoteOptions): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
  if (!isNoteKeyName(keyName)) return fail(C.LOG_CHECKPOINT_KEYS_INVALID, 'the key name must be non-empty, without spaces or "+".');
  try {
    const keys = await keyCandidates(keyName, options);
    if (!Array.isArray(keys)) return keys;
    const message = utf8(text);
    let verified = false;
    for (const sig of signatures) {
      if (sig.key_name !== keyName) continue;
      const matching = keys.filter((k) => k.id === sig.key_id);
      if (matching.length === 0) continue;
      let good = false;
      for (const k of matching) {
        if (await (await createEd25519Verifier(k.publicKey)).verify(message, sig.signature)) {
          good = true;
          break;
        }
      }
      if (!good) {
        return fail(C.LOG_CHECKPOINT_SIGNATURE_INVALID, `the signature of '${keyName}' does not verify: the note was altered after signing, or it was not signed by this key.`);
      }
      verified = true;
    }
    if (!verified) {
      return fail(C.LOG_CHECKPOINT_KEY_UNKNOWN, `no signature by key '${keyName}' with this public key: fetch the signer's current keys (the Hall's /.well-known/wcp-keys.json) and check the key name.`);
    }
    return { ok: true };
  } catch (err) {
    return fail(C.LOG_CRYPTO_UNAVAILABLE, (err as Error)?.message ?? String(err));
  }
}

/** Verifies a signed note's Ed25519 signature by `keyName` (required for a generic note). */
export async function verifyNote(note: string | Uint8Array, options: VerifyNoteOptions & { keyName: string }): Promise<{ ok: boolean; text?: string; code?: string; message?: string }> {
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const v = await verifySignatures(parsed.text, parsed.signatures, options?.keyName, options ?? {});
  return v.ok ? { ok: true, text: parsed.text } : v;
}

/**
 * Verifies a signed checkpoint: strict syntax, then the Ed25519 signature by `keyName` (default:
 * the origin line, as the Hall signs) with `publicKey` or any key of `jwks`. Never throws.
 */
export async function verifyCheckpoint(note: string | Uint8Array, options: VerifyCheckpointOptions): Promise<CheckpointVerdict> {
  const cp = parseCheckpoint(note);
  if (!cp.ok) return cp;
  const opts = options ?? {};
  if (opts.origin !== undefined && opts.origin !== cp.origin) {
    return fail(C.LOG_CHECKPOINT_ORIGIN_MISMATCH, `the checkpoint is for origin '${cp.origin.slice(0, 200)}', not '${String(opts.origin).slice(0, 200)}': it belongs to another log.`);
  }
  const v = await verifySignatures(cp.text, cp.signatures, opts.keyName ?? cp.origin, opts);
  if (!v.ok) return v;
  return { ok: true, origin: cp.origin, tree_size: cp.tree_size, root_hash: cp.root_hash, extensions: cp.extensions };
}
