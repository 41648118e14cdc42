// The admin log: every admin write leaves a signed entry (who, what, target, content hash) on one
// hash chain, written in the same D1 batch as the generation bump and the token revocations. On
// v0.1 an admin write left no evidence at all: rules could be swapped and swapped back unseen.
import { createExecutionContext, env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportEd25519PublicJwk, generateEd25519KeyPair, importEd25519PrivateJwk } from '../../src/crypto/index.js';
import {
  ADMIN_LOG_GAP,
  ADMIN_LOG_HASH_MISMATCH,
  ADMIN_LOG_PREV_MISMATCH,
  ADMIN_LOG_SIGNATURE_INVALID,
  adminContentSha256,
  hashAdminLogEntry,
  verifyAdminLog,
  type AdminLogEntry,
} from '../../src/receipts/index.js';
import { sha256Hex } from '../../src/util/index.js';
import { createHallWorker } from '../../worker/index.js';
import { ADMIN, DEMO, call, json, seedKv } from './helpers.js';

const TOKEN_1 = 'adminlog-tenant-token-one-0123456789abcdef';
const TOKEN_2 = 'adminlog-tenant-token-two-0123456789abcdef';
const APPROVER = 'adminlog-approver-token-0123456789abcdef';
// A seed worker (seedKv restores it afterwards).
const GONE_WORKER = 'org.demo.embedder';

const put = (path: string, body: unknown) => call(path, { method: 'PUT', token: ADMIN, json: body });

async function logAfter(afterSeq: number): Promise<AdminLogEntry[]> {
  const out: AdminLogEntry[] = [];
  let after: number | null = afterSeq;
  while (after !== null) {
    const res = await call(`/admin/log?after_seq=${after}&limit=1000`, { token: ADMIN });
    expect(res.status).toBe(200);
    const page = await json(res);
    out.push(...page.entries);
    after = page.next_after_seq;
  }
  return out;
}

const headSeq = async (): Promise<number> => (await env.HALL_DB.prepare('SELECT MAX(seq) AS s FROM admin_log').first<{ s: number | null }>())?.s ?? 0;
const generation = async (): Promise<number> => (await env.HALL_DB.prepare('SELECT generation FROM hall_meta WHERE id = 1').first<{ generation: number }>())!.generation;
const keySet = async (): Promise<unknown> => json(await call('/.well-known/wcp-keys.json'));
const isRevoked = async (token: string): Promise<boolean> =>
  (await env.HALL_DB.prepare('SELECT 1 AS one FROM revoked_tokens WHERE token_sha256 = ?1').bind(sha256Hex(token)).first()) !== null;

// The append-only triggers of migrations/0005, re-created after a test drops one.
const NO_UPDATE = `CREATE TRIGGER IF NOT EXISTS admin_log_no_update BEFORE UPDATE ON admin_log BEGIN SELECT RAISE(ABORT, 'admin log is append-only'); END`;
const NO_DELETE = `CREATE TRIGGER IF NOT EXISTS admin_log_no_delete BEFORE DELETE ON admin_log BEGIN SELECT RAISE(ABORT, 'admin log is append-only'); END`;

beforeAll(seedKv);
afterAll(async () => {
  await env.HALL_DB.prepare(NO_UPDATE).run();
  await env.HALL_DB.prepare(NO_DELETE).run();
  await env.HALL_KV.delete('ns:x.adminlog');
  await env.HALL_KV.delete('approver:al-a');
  await env.HALL_KV.delete(`token:${sha256Hex(APPROVER)}`);
  await seedKv();
});

describe('every admin write leaves a signed entry', () => {
  it('rules, config, policy, namespace keys, ban list, tenants (create, rotate, delete), approvers and worker removal: one entry each, generation bumped with it, old tokens revoked, no secrets', async () => {
    const h0 = await headSeq();
    const g0 = await generation();

    const rules = (await json(await call('/admin/rules', { token: ADMIN }))).document;
    const doc = structuredClone(rules);
    doc.rules = doc.rules.slice(0, -1);
    const rulesRes = await put('/admin/rules', doc);
    expect(rulesRes.status).toBe(201);
    const { version } = await json(rulesRes);

    const config = (await json(await call('/admin/config', { token: ADMIN }))).config;
    expect((await put('/admin/config', config)).status).toBe(200);
    const policy = (await json(await call('/admin/policy', { token: ADMIN }))).policy;
    expect((await put('/admin/policy', policy)).status).toBe(200);

    const pair = await generateEd25519KeyPair();
    const nsRes = await put('/admin/namespaces/x.adminlog', { keys: [exportEd25519PublicJwk(pair.publicKey, { kid: 'adminlog-k1' })] });
    expect(nsRes.status).toBe(200);
    const nsRecord = await json(nsRes);

    const banRes = await call('/admin/ban-list', { method: 'POST', token: ADMIN, json: { add: [{ hash: 'a'.repeat(64), reason: 'admin-log test' }] } });
    expect(banRes.status).toBe(200);
    const banList = await json(banRes);

    const created = await put('/admin/tenants/al-t', { token: TOKEN_1, namespaces: ['x.adminlog'] });
    expect(created.status).toBe(200);
    const createdView = await json(created);
    expect(await isRevoked(TOKEN_1)).toBe(false);
    const rotated = await put('/admin/tenants/al-t', { token: TOKEN_2, namespaces: ['x.adminlog'] });
    expect(rotated.status).toBe(200);
    const rotatedView = await json(rotated);
    const storedTenant = JSON.parse((await env.HALL_KV.get('tenant:al-t'))!);
    expect(storedTenant.token_sha256).toBe(sha256Hex(TOKEN_2));
    expect(await isRevoked(TOKEN_1)).toBe(true);

    const approverRes = await put('/admin/approvers/al-a', { token: APPROVER, tenants: ['al-t'] });
    expect(approverRes.status).toBe(200);
    const approverView = await json(approverRes);

    expect((await call('/admin/tenants/al-t', { method: 'DELETE', token: ADMIN })).status).toBe(200);
    expect(await isRevoked(TOKEN_2)).toBe(true);

    expect((await call(`/workers/${GONE_WORKER}`, { method: 'DELETE', token: ADMIN })).status).toBe(200);

    const entries = await logAfter(h0);
    expect(entries.map((e) => [e.action, e.target])).toEqual([
      ['rules.put', version],
      ['config.put', 'config'],
      ['policy.put', 'policy'],
      ['namespace.put', 'x.adminlog'],
      ['ban-list.update', 'ban-list'],
      ['tenant.put', 'al-t'],
      ['tenant.put', 'al-t'],
      ['approver.put', 'al-a'],
      ['tenant.delete', 'al-t'],
      ['worker.delete', GONE_WORKER],
    ]);
    // One generation bump per write, in the same batch as its entry.
    expect(await generation()).toBe(g0 + entries.length);
    const kid = (await importEd25519PrivateJwk(JSON.parse(env.HALL_SIGNING_KEY))).kid;
    entries.forEach((e, i) => {
      expect(e.seq).toBe(h0 + i + 1);
      expect(e.actor).toBe('admin');
      expect(e.signing_key_id).toBe(kid);
      expect(hashAdminLogEntry(e)).toBe(e.entry_hash);
      if (i > 0) expect(e.prev_entry_hash).toBe(entries[i - 1]!.entry_hash);
    });

    // content_sha256 is the hash of what the Hall now holds (as the read endpoints return it).
    const byAction = (i: number) => entries[i]!.content_sha256;
    expect(byAction(0)).toBe(adminContentSha256((await json(await call('/admin/rules', { token: ADMIN }))).document));
    expect(byAction(1)).toBe(adminContentSha256((await json(await call('/admin/config', { token: ADMIN }))).config));
    expect(byAction(2)).toBe(adminContentSha256((await json(await call('/admin/policy', { token: ADMIN }))).policy));
    expect(byAction(3)).toBe(adminContentSha256(nsRecord));
    expect(byAction(3)).toBe(adminContentSha256(await json(await call('/wcp/namespaces/x.adminlog'))));
    expect(byAction(4)).toBe(adminContentSha256(banList));
    expect(byAction(5)).toBe(adminContentSha256(createdView));
    // The stored record carries token_sha256; the hash leaves it out.
    expect(byAction(6)).toBe(adminContentSha256(rotatedView));
    expect(byAction(6)).toBe(adminContentSha256(storedTenant));
    expect(byAction(7)).toBe(adminContentSha256(approverView));
    expect(byAction(8)).toBe(adminContentSha256(null));
    expect(byAction(9)).toBe(adminContentSha256(null));

    // Never a token or a token hash in the log.
    const text = JSON.stringify(entries);
    for (const secret of [TOKEN_1, TOKEN_2, APPROVER, ADMIN]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(sha256Hex(secret));
    }

    // The whole log verifies offline with the published key set.
    const all = await logAfter(0);
    expect(await verifyAdminLog(all, await keySet())).toMatchObject({ ok: true, verified: all.length, head_hash: entries.at(-1)!.entry_hash });
    // And so does the segment, continued from its predecessor.
    expect(await verifyAdminLog(entries, await keySet(), { expectFirstSeq: h0 + 1, expectPrevHash: h0 ? all[h0 - 1]!.entry_hash : null })).toMatchObject({ ok: true });
  });
});

describe('a change stored but not logged (the log write failed, the answer was 503)', () => {
  it('repeating the same rules upload records it; a true no-op repeat adds nothing', async () => {
    const current = await json(await call('/admin/rules', { token: ADMIN }));
    const doc = structuredClone(current.document);
    doc.rules = doc.rules.slice(0, doc.rules.length - 1);
    // What a failed first attempt leaves behind: the new version stored and in force, no log entry.
    const version = 'rv-' + sha256Hex(JSON.stringify(doc)).slice(0, 16);
    await env.HALL_KV.put(`rules:${version}`, JSON.stringify(doc));
    await env.HALL_KV.put('rules:current', JSON.stringify({ version, stored_at: new Date().toISOString(), previous: current.version, source: 'PUT /admin/rules' }));
    const h0 = await headSeq();
    const repeat = await put('/admin/rules', doc);
    expect(repeat.status).toBe(200);
    expect((await json(repeat)).unchanged).toBe(true);
    expect((await logAfter(h0)).map((e) => [e.action, e.target])).toEqual([['rules.put', version]]);
    const h1 = await headSeq();
    expect((await put('/admin/rules', doc)).status).toBe(200);
    expect(await headSeq()).toBe(h1);
    expect((await put('/admin/rules', current.document)).status).toBe(201);
  });
});

describe('tampering', () => {
  it('the database refuses to edit or delete an entry; an entry edited behind its back (triggers dropped) fails verification', async () => {
    expect((await put('/admin/policy', (await json(await call('/admin/policy', { token: ADMIN }))).policy)).status).toBe(200);
    expect((await put('/admin/policy', (await json(await call('/admin/policy', { token: ADMIN }))).policy)).status).toBe(200);
    const before = await logAfter(0);
    const victim = before.at(-2)!;
    const db = env.HALL_DB;
    await expect(db.prepare('UPDATE admin_log SET target = ?1 WHERE seq = ?2').bind('someone-else', victim.seq).run()).rejects.toThrow(/append-only/);
    await expect(db.prepare('DELETE FROM admin_log WHERE seq = ?1').bind(victim.seq).run()).rejects.toThrow(/append-only/);

    try {
      await db.prepare('DROP TRIGGER admin_log_no_update').run();
      // An edited field: entry_hash no longer matches.
      await db.prepare('UPDATE admin_log SET target = ?1 WHERE seq = ?2').bind('someone-else', victim.seq).run();
      expect(await verifyAdminLog(await logAfter(0), await keySet())).toMatchObject({ ok: false, code: ADMIN_LOG_HASH_MISMATCH, broken_at_seq: victim.seq, verified: victim.seq - 1 });
      // Re-hashing the edited entry does not help: the signature is over the old hash.
      const forged = hashAdminLogEntry({ ...victim, target: 'someone-else' });
      await db.prepare('UPDATE admin_log SET entry_hash = ?1 WHERE seq = ?2').bind(forged, victim.seq).run();
      expect(await verifyAdminLog(await logAfter(0), await keySet())).toMatchObject({ ok: false, code: ADMIN_LOG_SIGNATURE_INVALID, broken_at_seq: victim.seq });
      // Verifying only the entries after the forged one still catches the broken link.
      expect(await verifyAdminLog(await logAfter(victim.seq), await keySet(), { expectFirstSeq: victim.seq + 1, expectPrevHash: victim.entry_hash })).toMatchObject({ ok: true });
      expect(await verifyAdminLog(await logAfter(victim.seq), await keySet(), { expectFirstSeq: victim.seq + 1, expectPrevHash: forged })).toMatchObject({ ok: false, code: ADMIN_LOG_PREV_MISMATCH });
    } finally {
      await db.prepare('UPDATE admin_log SET target = ?1, entry_hash = ?2 WHERE seq = ?3').bind(victim.target, victim.entry_hash, victim.seq).run();
      await db.prepare(NO_UPDATE).run();
    }

    try {
      await db.prepare('DROP TRIGGER admin_log_no_delete').run();
      await db.prepare('DELETE FROM admin_log WHERE seq = ?1').bind(victim.seq).run();
      expect(await verifyAdminLog(await logAfter(0), await keySet())).toMatchObject({ ok: false, code: ADMIN_LOG_GAP, broken_at_seq: victim.seq });
    } finally {
      const v = victim;
      await db
        .prepare(
          `INSERT OR IGNORE INTO admin_log (seq, entry_version, at, actor, action, target, content_sha256, prev_entry_hash, entry_hash, signature, signing_key_id)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)`,
        )
        .bind(v.seq, v.entry_version, v.at, v.actor, v.action, v.target, v.content_sha256, v.prev_entry_hash, v.entry_hash, v.signature, v.signing_key_id)
        .run();
      await db.prepare(NO_DELETE).run();
    }
    expect(await verifyAdminLog(await logAfter(0), await keySet())).toMatchObject({ ok: true });
  });

  it('the chain trigger refuses a forked, gapped or mislinked entry', async () => {
    const all = await logAfter(0);
    const head = all.at(-1)!;
    const insert = (seq: number, prev: string | null) =>
      env.HALL_DB
        .prepare(
          `INSERT INTO admin_log (seq, entry_version, at, actor, action, target, content_sha256, prev_entry_hash, entry_hash, signature, signing_key_id)
           VALUES (?1, ?2, ?3, 'admin', 'rules.put', 'x', ?4, ?5, ?6, ?7, 'k')`,
        )
        .bind(seq, head.entry_version, head.at, 'b'.repeat(64), prev, crypto.randomUUID().replace(/-/g, '').repeat(2), head.signature)
        .run();
    await expect(insert(head.seq, head.prev_entry_hash)).rejects.toThrow(/UNIQUE/);
    await expect(insert(head.seq + 2, head.entry_hash)).rejects.toThrow(/chain link missing/);
    await expect(insert(head.seq + 1, 'c'.repeat(64))).rejects.toThrow(/chain link missing/);
    await expect(insert(1, null)).rejects.toThrow(/UNIQUE/);
    expect(await headSeq()).toBe(head.seq);
  });
});

describe('concurrency', () => {
  it('admin writes racing from several isolates all land, on one unforked chain (losers re-read the head and retry)', async () => {
    const h0 = await headSeq();
    const g0 = await generation();
    const config = (await json(await call('/admin/config', { token: ADMIN }))).config;
    const isolates = [createHallWorker(), createHallWorker(), createHallWorker()];
    const writes = isolates.flatMap((w) =>
      [0, 1, 2].map(() =>
        w.fetch(
          new Request('http://hall.test/admin/config', { method: 'PUT', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(config) }),
          env,
          createExecutionContext(),
        ),
      ),
    );
    const statuses = await Promise.all(writes.map(async (p) => (await p).status));
    expect(statuses).toEqual(Array(9).fill(200));
    const entries = await logAfter(h0);
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 9 }, (_, i) => h0 + i + 1));
    expect(await generation()).toBe(g0 + 9);
    expect(await verifyAdminLog(await logAfter(0), await keySet())).toMatchObject({ ok: true });
  });
});

describe('GET /admin/log', () => {
  it('is for the admin token only, pages by after_seq, and refuses unknown or out-of-range query parameters', async () => {
    expect((await call('/admin/log')).status).toBe(401);
    const asTenant = await call('/admin/log', { token: DEMO });
    expect(asTenant.status).toBe(403);
    expect((await json(asTenant)).code).toBe('ADMIN_REQUIRED');
    for (const q of ['foo=1', 'limit=0', 'limit=1001', 'after_seq=-1', 'after_seq=abc', 'limit=2&limit=3']) {
      const res = await call(`/admin/log?${q}`, { token: ADMIN });
      expect(res.status, q).toBe(400);
      expect((await json(res)).code, q).toBe('INVALID_QUERY');
    }
    const page = await json(await call('/admin/log?after_seq=1&limit=2', { token: ADMIN }));
    expect(page.entries.map((e: AdminLogEntry) => e.seq)).toEqual([2, 3]);
    expect(page.next_after_seq).toBe(3);
    const tail = await json(await call(`/admin/log?after_seq=${await headSeq()}`, { token: ADMIN }));
    expect(tail).toEqual({ entries: [], next_after_seq: null });
  });
});
