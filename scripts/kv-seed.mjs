// Turns kv-seed/ into the KV entries the Hall reads (the key layout is documented in
// docs/hall-api.md and defined in worker/stores/config-store.ts). Used by `npm start` (through
// `wrangler kv bulk put --local`) and by the worker test suite (as a binding).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const sha256Hex = (text) => createHash('sha256').update(text, 'utf8').digest('hex');
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** Content-addressed rules version: the worker computes it the same way for PUT /admin/rules. */
export function rulesVersionOf(doc) {
  return 'rv-' + sha256Hex(JSON.stringify(doc)).slice(0, 16);
}

/**
 * @param {string} seedDir path of kv-seed/
 * @param {{ tokens: Record<string, string>, now?: string }} options tokens by env-var name
 *   (tenants.json names the variable holding each tenant's token; only its SHA-256 is stored)
 * @returns {{ key: string, value: string }[]}
 */
export function buildSeedEntries(seedDir, options) {
  const now = options.now ?? new Date().toISOString();
  const entries = [];
  const put = (key, value) => entries.push({ key, value: typeof value === 'string' ? value : JSON.stringify(value) });

  const rules = readJson(join(seedDir, 'rules.json'));
  const version = rulesVersionOf(rules);
  put(`rules:${version}`, rules);
  put('rules:current', { version, stored_at: now, previous: null, source: 'kv-seed' });
  put('config', readJson(join(seedDir, 'config.json')));
  put('policy', readJson(join(seedDir, 'policy.json')));
  put('banlist', readJson(join(seedDir, 'banlist.json')));

  const workersDir = join(seedDir, 'workers');
  for (const name of readdirSync(workersDir).filter((n) => n.endsWith('.json')).sort()) {
    const record = readJson(join(workersDir, name));
    put(`worker:${record.worker_id}`, record);
  }

  let nsDir = null;
  try {
    nsDir = readdirSync(join(seedDir, 'namespaces')).filter((n) => n.endsWith('.json')).sort();
  } catch {
    nsDir = [];
  }
  for (const name of nsDir) {
    const ns = readJson(join(seedDir, 'namespaces', name));
    put(`ns:${ns.namespace}`, ns);
  }

  for (const t of readJson(join(seedDir, 'tenants.json'))) {
    const token = options.tokens[t.token_from];
    if (!token) throw new Error(`kv-seed: tenant ${t.tenant_id} needs ${t.token_from} (set it in .dev.vars)`);
    const hash = sha256Hex(token);
    put(`tenant:${t.tenant_id}`, { tenant_id: t.tenant_id, token_sha256: hash, namespaces: t.namespaces ?? [], created_at: now, updated_at: now });
    put(`token:${hash}`, { kind: 'tenant', id: t.tenant_id });
  }

  // Any change to the seed content gives a new version, so running isolates reload.
  const digest = sha256Hex(JSON.stringify(entries.filter((e) => !e.key.startsWith('tenant:') && e.key !== 'rules:current')));
  put('hall:version', `seed-${digest.slice(0, 16)}`);
  return entries;
}
