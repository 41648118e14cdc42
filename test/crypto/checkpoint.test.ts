// C2SP signed notes and tlog-checkpoints: Go's sumdb/note vectors byte for byte, a real
// sum.golang.org signed tree head, a Hall-style round trip, and every tampering refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  formatCheckpoint,
  fromBase64Std,
  merkleRoot,
  noteKeyId,
  parseCheckpoint,
  parseNote,
  signCheckpoint,
  signNote,
  toBase64Std,
  verifyCheckpoint,
  verifyNote,
  LOG_CHECKPOINT_KEY_UNKNOWN,
  LOG_CHECKPOINT_KEYS_INVALID,
  LOG_CHECKPOINT_MALFORMED,
  LOG_CHECKPOINT_ORIGIN_MISMATCH,
  LOG_CHECKPOINT_SIGNATURE_INVALID,
  MAX_NOTE_SIGNATURES,
} from '../../src/log/index.js';
import { createEd25519Signer, exportEd25519PublicJwk, generateEd25519KeyPair } from '../../src/crypto/index.js';
import { utf8 } from '../../src/util/index.js';
import { mulberry32 } from '../support/prng.js';

const V = JSON.parse(readFileSync(new URL('./vectors/note/signed-notes.json', import.meta.url), 'utf8'));
const go = V.go_note as Record<string, string>;
const sumdb = V.sumdb_checkpoint as { verifier_key: string; note: string; origin: string; tree_size: number; root_hash: string };

/** Go's note key format: name+hex key ID+base64(0x01 ‖ key) (the key's base64 may itself contain '+'). */
function goKey(vkey: string): { name: string; id: number; key: Uint8Array } {
  const parts = vkey.replace(/^PRIVATE\+KEY\+/, '').split('+');
  const raw = fromBase64Std(parts.slice(2).join('+'));
  expect(raw[0]).toBe(1);
  return { name: parts[0]!, id: parseInt(parts[1]!, 16), key: raw.slice(1) };
}

const peter = goKey(go.peter_verifier_key!);
const peterSeed = goKey(go.peter_private_key!).key;
const enoch = goKey(go.enoch_verifier_key!);

describe('Go sumdb/note vectors', () => {
  it('computes the signed-note key IDs Go states', () => {
    expect(noteKeyId(peter.name, peter.key).toString(16)).toBe('c74f20a3');
    expect(noteKeyId(enoch.name, enoch.key).toString(16)).toBe('af0cfe78');
    expect(noteKeyId(peter.name, peter.key)).toBe(peter.id);
  });

  it("signing Go's text with Peter's seed gives Go's signed note byte for byte", async () => {
    const signer = await createEd25519Signer(peterSeed);
    expect(signer.publicKey).toEqual(peter.key);
    expect(await signNote(go.text!, 'PeterNeumann', signer)).toBe(go.peter_signed);
  });

  it('verifies with the right key, ignores unknown signatures, refuses what Go refuses', async () => {
    const both = `${go.text}\n${go.peter_sig_line}${go.enoch_sig_line}`;
    expect(await verifyNote(go.peter_signed!, { keyName: 'PeterNeumann', publicKey: peter.key })).toEqual({ ok: true, text: go.text });
    expect((await verifyNote(both, { keyName: 'PeterNeumann', publicKey: peter.key })).ok).toBe(true);
    expect((await verifyNote(both, { keyName: 'EnochRoot', publicKey: enoch.key })).ok).toBe(true);
    // Enoch's signature checked against Peter's key: name matches, ID does not → unknown, not invalid.
    expect((await verifyNote(both, { keyName: 'EnochRoot', publicKey: peter.key })).code).toBe(LOG_CHECKPOINT_KEY_UNKNOWN);
    expect((await verifyNote(both, { keyName: 'CarmenSandiego', publicKey: peter.key })).code).toBe(LOG_CHECKPOINT_KEY_UNKNOWN);
    // Go's "invalid signature" case: four characters spliced into the signature.
    const s = go.peter_sig_line!;
    const spliced = `${go.text}\n${s.slice(0, 60)}ABCD${s.slice(60)}`;
    expect((await verifyNote(spliced, { keyName: 'PeterNeumann', publicKey: peter.key })).code).toBe(LOG_CHECKPOINT_SIGNATURE_INVALID);
    // Go's malformed notes.
    const bad = [
      go.text!,
      `${go.text}\n`,
      `${go.text}\n${s.slice(0, -1)}`,
      `\u0001${go.text}\n${s}`,
      `${go.text}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${go.text}\n${s}Unexpected line.\n`,
      `${go.text}\n${s.repeat(MAX_NOTE_SIGNATURES + 1)}`,
      `${go.text}\n${s.replace('PeterNeumann', 'a+b')}`,
    ];
    for (const b of bad) expect(parseNote(b), JSON.stringify(b.slice(-40))).toMatchObject({ ok: false, code: LOG_CHECKPOINT_MALFORMED });
    // "\xff" + text: not UTF-8 (only expressible as bytes).
    const bytes = new Uint8Array([0xff, ...utf8(`${go.text}\n${s}`)]);
    expect(parseNote(bytes)).toMatchObject({ ok: false, code: LOG_CHECKPOINT_MALFORMED });
    expect((await verifyNote(utf8(go.peter_signed!), { keyName: 'PeterNeumann', publicKey: peter.key })).ok).toBe(true);
    expect((await verifyNote(`${go.text}\n${s.repeat(MAX_NOTE_SIGNATURES)}`, { keyName: 'PeterNeumann', publicKey: peter.key })).ok).toBe(true);
  });
});

describe('a real sum.golang.org checkpoint', () => {
  const key = goKey(sumdb.verifier_key);
  it('parses and verifies (key name sum.golang.org, origin "go.sum database tree")', async () => {
    expect(key.name).toBe('sum.golang.org');
    expect(noteKeyId(key.name, key.key)).toBe(key.id);
    const cp = parseCheckpoint(sumdb.note);
    expect(cp).toMatchObject({ ok: true, origin: sumdb.origin, tree_size: sumdb.tree_size, root_hash: sumdb.root_hash, extensions: [] });
    expect(await verifyCheckpoint(sumdb.note, { keyName: 'sum.golang.org', publicKey: key.key })).toEqual({
      ok: true,
      origin: sumdb.origin,
      tree_size: sumdb.tree_size,
      root_hash: sumdb.root_hash,
      extensions: [],
    });
    expect(formatCheckpoint({ origin: sumdb.origin, tree_size: sumdb.tree_size, root_hash: sumdb.root_hash })).toBe(sumdb.note.slice(0, sumdb.note.indexOf('\n\n') + 1));
  });

  it('refuses it when the key name defaults to the origin, or size/root change', async () => {
    expect((await verifyCheckpoint(sumdb.note, { publicKey: key.key })).code).toBe(LOG_CHECKPOINT_KEYS_INVALID); // origin has spaces: not a key name
    const bigger = sumdb.note.replace('31700353', '31700354');
    expect((await verifyCheckpoint(bigger, { keyName: 'sum.golang.org', publicKey: key.key })).code).toBe(LOG_CHECKPOINT_SIGNATURE_INVALID);
  });
});

// ---- the Hall's checkpoints ----

const pair = await generateEd25519KeyPair();
const signer = await createEd25519Signer(pair.seed);
const jwk = exportEd25519PublicJwk(pair.publicKey);
const other = await generateEd25519KeyPair();
const otherSigner = await createEd25519Signer(other.seed);
const ORIGIN = 'hall.example/log/demo';
const rand = mulberry32(42);
const leaves = Array.from({ length: 17 }, () => Uint8Array.from({ length: 32 }, () => Math.floor(rand() * 256)));
const root = merkleRoot(leaves);
const body = formatCheckpoint({ origin: ORIGIN, tree_size: 17, root_hash: root });
const signed = await signCheckpoint(body, ORIGIN, signer);
const signedByOther = await signCheckpoint(body, ORIGIN, otherSigner);

describe('Hall checkpoints: sign → verify', () => {
  it('formats the C2SP body and one em-dash signature line with the origin as key name', () => {
    expect(body).toBe(`${ORIGIN}\n17\n${toBase64Std(root)}\n`);
    const lines = signed.split('\n');
    expect(lines.slice(0, 4)).toEqual([ORIGIN, '17', toBase64Std(root), '']);
    expect(lines[4]).toMatch(/^\u2014 hall\.example\/log\/demo [A-Za-z0-9+/]{91}=$/);
    expect(lines[5]).toBe('');
    const sig = fromBase64Std(lines[4]!.split(' ')[2]!);
    expect(sig.length).toBe(68);
    expect(((sig[0]! << 24) | (sig[1]! << 16) | (sig[2]! << 8) | sig[3]!) >>> 0).toBe(noteKeyId(ORIGIN, pair.publicKey));
  });

  it('verifies with the public key, with the Hall JWKS, and with a pinned origin', async () => {
    const want = { ok: true, origin: ORIGIN, tree_size: 17, root_hash: toBase64Std(root), extensions: [] };
    expect(await verifyCheckpoint(signed, { publicKey: pair.publicKey })).toEqual(want);
    expect(await verifyCheckpoint(signed, { jwks: { keys: [exportEd25519PublicJwk(other.publicKey), jwk] } })).toEqual(want);
    expect(await verifyCheckpoint(signed, { jwks: { keys: [jwk] }, origin: ORIGIN })).toEqual(want);
    expect(await verifyCheckpoint(signed, { publicKey: pair.publicKey, keyName: ORIGIN })).toEqual(want);
  });

  it('keeps extension lines and tolerates cosignatures by other keys', async () => {
    const ext = await signCheckpoint(formatCheckpoint({ origin: ORIGIN, tree_size: 17, root_hash: root, extensions: ['shard 0'] }), ORIGIN, signer);
    expect(await verifyCheckpoint(ext, { publicKey: pair.publicKey })).toMatchObject({ ok: true, extensions: ['shard 0'] });
    const cosigned = (await signNote(body, 'witness.example/w1', otherSigner)) + signed.slice(body.length + 1);
    expect(parseNote(cosigned)).toMatchObject({ ok: true, text: body });
    expect((await verifyCheckpoint(cosigned, { publicKey: pair.publicKey })).ok).toBe(true);
    expect((await verifyNote(cosigned, { keyName: 'witness.example/w1', publicKey: other.publicKey })).ok).toBe(true);
  });
});

describe('Hall checkpoints: tampering is refused', () => {
  const sigLine = signed.slice(body.length + 1);
  const swap = (from: string, to: string) => signed.replace(from, to);
  const cases: [string, string, string][] = [
    ['tree size', swap('\n17\n', '\n16\n'), LOG_CHECKPOINT_SIGNATURE_INVALID],
    ['tree size grown', swap('\n17\n', '\n170\n'), LOG_CHECKPOINT_SIGNATURE_INVALID],
    ['root hash', swap(toBase64Std(root), toBase64Std(merkleRoot(leaves, 16))), LOG_CHECKPOINT_SIGNATURE_INVALID],
    // The key ID is bound to the key name, so a renamed signature line no longer names this key.
    ['origin (body and key name)', signed.split(ORIGIN).join('hall.example/log/other'), LOG_CHECKPOINT_KEY_UNKNOWN],
    ['origin line only', signed.replace(ORIGIN, 'hall.example/log/other'), LOG_CHECKPOINT_KEY_UNKNOWN],
    ['key name only', `${body}\n${sigLine.replace(ORIGIN, 'hall.example/log/other')}`, LOG_CHECKPOINT_KEY_UNKNOWN],
    ['extension line added', `${body}evil\n\n${sigLine}`, LOG_CHECKPOINT_SIGNATURE_INVALID],
    ['signed by another key', signedByOther, LOG_CHECKPOINT_KEY_UNKNOWN],
    ['no signature', `${body}\n`, LOG_CHECKPOINT_MALFORMED],
    ['leading zero in size', swap('\n17\n', '\n017\n'), LOG_CHECKPOINT_MALFORMED],
    ['signed size with "+"', swap('\n17\n', '\n+17\n'), LOG_CHECKPOINT_MALFORMED],
    ['unpadded root', swap(toBase64Std(root), toBase64Std(root).replace(/=$/, '')), LOG_CHECKPOINT_MALFORMED],
    ['31-byte root', swap(toBase64Std(root), toBase64Std(root.slice(1))), LOG_CHECKPOINT_MALFORMED],
    ['CRLF', signed.replace(/\n/g, '\r\n'), LOG_CHECKPOINT_MALFORMED],
    ['missing final newline', signed.slice(0, -1), LOG_CHECKPOINT_MALFORMED],
    ['ASCII hyphen for the em dash', signed.replace('\u2014', '-'), LOG_CHECKPOINT_MALFORMED],
    ['empty extension line', `${body}\n\n${sigLine}`.replace(`${body}\n\n`, `${ORIGIN}\n17\n${toBase64Std(root)}\n\nx\n\n`), LOG_CHECKPOINT_MALFORMED],
    ['two lines only', `${ORIGIN}\n17\n\n${sigLine}`, LOG_CHECKPOINT_MALFORMED],
    ['size past 2^53', swap('\n17\n', '\n9007199254740993\n'), LOG_CHECKPOINT_MALFORMED],
  ];
  it.each(cases)('%s', async (_name, note, code) => {
    const v = await verifyCheckpoint(note, { publicKey: pair.publicKey });
    expect(v).toMatchObject({ ok: false, code });
    expect(v.origin).toBeUndefined();
  });

  it('every single-bit flip of the signature is refused', async () => {
    const b64 = sigLine.split(' ')[2]!.trimEnd();
    const raw = fromBase64Std(b64);
    for (let bit = 0; bit < raw.length * 8; bit += 7) {
      const t = raw.slice();
      t[bit >> 3] = t[bit >> 3]! ^ (1 << (bit & 7));
      const v = await verifyCheckpoint(signed.replace(b64, toBase64Std(t)), { publicKey: pair.publicKey });
      expect(v.ok, `bit ${bit}`).toBe(false);
      expect([LOG_CHECKPOINT_SIGNATURE_INVALID, LOG_CHECKPOINT_KEY_UNKNOWN]).toContain(v.code);
    }
  });

  it('a pinned origin refuses another log signed by the same Hall key', async () => {
    const otherLog = await signCheckpoint(formatCheckpoint({ origin: 'hall.example/log/acme', tree_size: 17, root_hash: root }), 'hall.example/log/acme', signer);
    expect((await verifyCheckpoint(otherLog, { publicKey: pair.publicKey })).ok).toBe(true);
    expect((await verifyCheckpoint(otherLog, { publicKey: pair.publicKey, origin: ORIGIN })).code).toBe(LOG_CHECKPOINT_ORIGIN_MISMATCH);
  });

  it('unusable keys and hostile input give codes, never throws', async () => {
    expect((await verifyCheckpoint(signed, {} as never)).code).toBe(LOG_CHECKPOINT_KEYS_INVALID);
    expect((await verifyCheckpoint(signed, { publicKey: new Uint8Array(31) })).code).toBe(LOG_CHECKPOINT_KEYS_INVALID);
    expect((await verifyCheckpoint(signed, { jwks: { nope: 1 } })).code).toBe(LOG_CHECKPOINT_KEYS_INVALID);
    expect((await verifyCheckpoint(signed, { jwks: { keys: [] } })).code).toBe(LOG_CHECKPOINT_KEY_UNKNOWN);
    for (const junk of [undefined, null, 42, {}, '', '\n', '\n\n', 'a\n\n\u2014 a b\n', `${signed}${'x'.repeat(70_000)}\n`, new Uint8Array(70_000)]) {
      const v = await verifyCheckpoint(junk as never, { publicKey: pair.publicKey });
      expect(v.ok).toBe(false);
      expect(v.code).toBe(LOG_CHECKPOINT_MALFORMED);
    }
  });

  it('formatting and signing refuse what cannot be a checkpoint', async () => {
    expect(() => formatCheckpoint({ origin: '', tree_size: 1, root_hash: root })).toThrow(expect.objectContaining({ code: 'LOG_RANGE_INVALID' }));
    expect(() => formatCheckpoint({ origin: 'a\nb', tree_size: 1, root_hash: root })).toThrow(expect.objectContaining({ code: 'LOG_RANGE_INVALID' }));
    expect(() => formatCheckpoint({ origin: 'a', tree_size: -1, root_hash: root })).toThrow(expect.objectContaining({ code: 'LOG_RANGE_INVALID' }));
    expect(() => formatCheckpoint({ origin: 'a', tree_size: 1, root_hash: root.slice(1) })).toThrow(expect.objectContaining({ code: 'LOG_RANGE_INVALID' }));
    expect(() => formatCheckpoint({ origin: 'a', tree_size: 1, root_hash: root, extensions: [''] })).toThrow(expect.objectContaining({ code: 'LOG_RANGE_INVALID' }));
    await expect(signCheckpoint('not a checkpoint\n', ORIGIN, signer)).rejects.toMatchObject({ code: LOG_CHECKPOINT_MALFORMED });
    await expect(signCheckpoint(body, 'has space', signer)).rejects.toMatchObject({ code: LOG_CHECKPOINT_MALFORMED });
    await expect(signCheckpoint(body, 'a+b', signer)).rejects.toMatchObject({ code: LOG_CHECKPOINT_MALFORMED });
  });
});
