// Turns kv-seed/ into the KV entries the Hall reads (the key layout is documented in
// docs/hall-api.md and defined in worker/stores/config-store.ts). Used by `npm start` (local KV),
// `scripts/seed.mjs` (production) and the worker test suite (as a binding). The worker registry
// is not in KV any more: scripts/registry-seed.mjs turns kv-seed/workers/ into D1 rows.
//
// Seeding fills only what is absent (seedPlan): a key that exists is never overwritten, so rules,
// config, policy, ban list, namespaces, tenants and approvers a user uploaded survive a restart.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const sha256Hex = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

function readJsonIfPresent(path, fallback) {
  try {
    return readJson(path);
  } catch (err) {
    if (err && err.code === 'ENOENT') return fallback;
    throw err;
  }
}

/** Content-addressed rules version: the worker computes it the same way for PUT /admin/rules. */
export function rulesVersionOf(doc) {
  return 'rv-' + sha256Hex(JSON.stringify(doc)).slice(0, 16);
}

/** Ids of the seed's demo tenants (kv-seed/tenants.json). */
export function seedTenantIds(seedDir) {
  return readJson(join(seedDir, 'tenants.json')).map((t) => t.tenant_id);
}

/**
 * @param {string} seedDir path of kv-seed/
 * @param {{ tokens: Record<string, string | undefined>, now?: string, demo?: boolean }} options
 *   tokens: by env-var name (tenants.json / approvers.json name the variable holding each token;
 *   only its SHA-256 is stored). A tenant whose token is missing is an error; an approver whose
 *   token is missing is left out (callers that never pass approver tokens get no approver).
 *   demo (default true): false leaves out the demo tenants and approvers, and removes the demo
 *   tenants from config.allowed_tenants (production seeding without --with-demo).
 * @returns {{ key: string, value: string }[]}
 */
export function buildSeedEntries(seedDir, options) {
  const now = options.now ?? new Date().toISOString();
  const demo = options.demo ?? true;
  const entries = [];
  const put = (key, value) => entries.push({ key, value: typeof value === 'string' ? value : JSON.stringify(value) });

  const rules = readJson(join(seedDir, 'rules.json'));
  const version = rulesVersionOf(rules);
  put(`rules:${version}`, rules);
  put('rules:current', { version, stored_at: now, previous: null, source: 'kv-seed' });
  const config = readJson(join(seedDir, 'config.json'));
  if (!demo && Array.isArray(config.allowed_tenants)) {
    const demoIds = new Set(seedTenantIds(seedDir));
    config.allowed_tenants = config.allowed_tenants.filter((t) => !demoIds.has(t));
  }
  put('config', config);
  put('policy', readJson(join(seedDir, 'policy.json')));
  put('banlist', readJson(join(seedDir, 'banlist.json')));

  let nsFiles = [];
  try {
    nsFiles = readdirSync(join(seedDir, 'namespaces')).filter((n) => n.endsWith('.json')).sort();
  } catch {
    nsFiles = [];
  }
  for (const name of nsFiles) {
    const ns = readJson(join(seedDir, 'namespaces', name));
    put(`ns:${ns.namespace}`, ns);
  }

  if (demo) {
    for (const t of readJson(join(seedDir, 'tenants.json'))) {
      const { tenant_id, token_from, namespaces, ...facts } = t;
      const token = options.tokens[token_from];
      if (!token) throw new Error(`kv-seed: tenant ${tenant_id} needs ${token_from} (set it in .dev.vars)`);
      const hash = sha256Hex(token);
      put(`tenant:${tenant_id}`, { tenant_id, namespaces: namespaces ?? [], ...facts, created_at: now, updated_at: now, token_sha256: hash });
      put(`token:${hash}`, { kind: 'tenant', id: tenant_id });
    }
    for (const a of readJsonIfPresent(join(seedDir, 'approvers.json'), [])) {
      const { approver_id, token_from, tenants, ...rest } = a;
      const token = options.tokens[token_from];
      if (!token) continue;
      const hash = sha256Hex(token);
      put(`approver:${approver_id}`, { approver_id, tenants, ...rest, created_at: now, updated_at: now, token_sha256: hash });
      put(`token:${hash}`, { kind: 'approver', id: approver_id });
    }
  }

  // Written only when absent (like every key); the snapshot keys on it and the D1 generation.
  const digest = sha256Hex(JSON.stringify(entries.filter((e) => !/^(tenant|approver|token):/.test(e.key) && e.key !== 'rules:current')));
  put('hall:version', `seed-${digest.slice(0, 16)}`);
  return entries;
}

/** The record key a `token:<sha256>` index entry belongs to (`tenant:<id>` / `approver:<id>`), or null. */
function principalKeyOfToken(entry) {
  try {
    const v = JSON.parse(entry.value);
    return v && (v.kind === 'tenant' || v.kind === 'approver') && typeof v.id === 'string' ? `${v.kind}:${v.id}` : null;
  } catch {
    return null;
  }
}

/**
 * Which seed entries to write, given the keys already present: a present key is never overwritten,
 * and a `token:*` index entry is written only together with its own tenant/approver record (a
 * tenant whose token was rotated keeps its new token; the old seed token never comes back).
 * @param {{ key: string, value: string }[]} entries
 * @param {ReadonlySet<string>} present
 * @returns {{ write: { key: string, value: string }[], kept: string[] }}
 */
export function seedPlan(entries, present) {
  const write = [];
  const kept = [];
  const writtenPrincipals = new Set();
  for (const e of entries) {
    if (e.key.startsWith('token:')) continue;
    if (present.has(e.key)) kept.push(e.key);
    else {
      write.push(e);
      if (/^(tenant|approver):/.test(e.key)) writtenPrincipals.add(e.key);
    }
  }
  for (const e of entries) {
    if (!e.key.startsWith('token:')) continue;
    const owner = principalKeyOfToken(e);
    if (owner && writtenPrincipals.has(owner) && !present.has(e.key)) write.push(e);
    else kept.push(e.key);
  }
  return { write, kept };
}

/** The seed keys whose presence decides the plan (token index entries follow their principal). */
export function keysToCheck(entries) {
  return entries.filter((e) => !e.key.startsWith('token:')).map((e) => e.key);
}

/**
 * Seeds the local KV that `wrangler dev --persist-to <persistDir>` uses, writing only absent keys.
 * Presence is read through Miniflare on the same persistence directory (exact keys, no page limit).
 * @returns {Promise<{ written: string[], kept: string[] }>}
 */
export async function seedLocalKv(configPath, persistDir, entries) {
  const { getPlatformProxy } = await import('wrangler');
  // Quiet: this process only needs the KV binding (wrangler would announce the .dev.vars it reads).
  const logLevel = process.env.WRANGLER_LOG;
  process.env.WRANGLER_LOG = 'warn';
  let proxy;
  try {
    proxy = await getPlatformProxy({ configPath, persist: { path: join(persistDir, 'v3') }, remoteBindings: false });
  } finally {
    if (logLevel === undefined) delete process.env.WRANGLER_LOG;
    else process.env.WRANGLER_LOG = logLevel;
  }
  try {
    const kv = proxy.env.HALL_KV;
    const present = new Set();
    for (const key of keysToCheck(entries)) {
      // The key itself sorts first among the keys it prefixes, so one entry answers "is it there".
      const { keys } = await kv.list({ prefix: key, limit: 1 });
      if (keys.length && keys[0].name === key) present.add(key);
    }
    const { write, kept } = seedPlan(entries, present);
    for (const e of write) await kv.put(e.key, e.value);
    return { written: write.map((e) => e.key), kept };
  } finally {
    await proxy.dispose();
  }
}

// `node scripts/kv-seed.mjs --seed-local <wrangler.toml> <persistDir> <entries.json>`: seedLocalKv in
// a process of its own (importing wrangler installs SIGINT/SIGTERM handlers that would take over
// npm start's Ctrl-C); prints {"written": [...], "kept": [...]}.
if (process.argv[2] === '--seed-local' && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href) {
  const [configPath, persistDir, entriesFile] = process.argv.slice(3);
  try {
    const result = await seedLocalKv(configPath, persistDir, readJson(entriesFile));
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(0);
  } catch (err) {
    process.stderr.write(`${err && err.message ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
