#!/usr/bin/env node
// Seeds a Hall's KV (and, with --with-demo, its D1 registry) from kv-seed/, writing only what is
// absent: keys that exist are never overwritten, so running it again, or against a Hall already in
// use, changes nothing that was uploaded. Made for production (`--remote`); `--local` runs the same
// steps against local state (what the tests use).
//
//   node scripts/seed.mjs --remote [--with-demo]                     (npm run seed:production)
//   node scripts/seed.mjs --local [--persist-to DIR] [--with-demo]
//
// Without --with-demo: the rule set, hall config (demo tenants removed from allowed_tenants),
// policy, ban list and namespace keys. No tenant, approver, token or worker is created: add real
// tenants with PUT /admin/tenants/:id and allow them with PUT /admin/config.
// With --with-demo: also the demo tenant and approver (fresh tokens, printed once at the end; only
// their SHA-256 is stored; HALL_DEMO_TENANT_TOKEN / HALL_DEMO_APPROVER_TOKEN in the environment are
// used instead when set) and the org.demo workers (D1, INSERT OR IGNORE).
// Exit codes: 0 done, 1 a wrangler step failed, 2 bad arguments.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newToken } from './dev-vars.mjs';
import { buildSeedEntries, keysToCheck, seedPlan } from './kv-seed.mjs';
import { buildRegistrySeedSql } from './registry-seed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wranglerBin = join(root, 'node_modules', '.bin', 'wrangler');
const childEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true', CI: process.env.CI ?? 'true' };
const log = (msg) => console.log(`[edgehall seed] ${msg}`);
const USAGE = 'Usage: node scripts/seed.mjs (--remote | --local [--persist-to DIR]) [--with-demo]';

function fail(code, sentence) {
  console.error(`[edgehall seed] ${sentence}`);
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { target: null, persistTo: null, withDemo: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--remote' || a === '--local') {
      if (opts.target) fail(2, `Pass one of --remote or --local, not both. ${USAGE}`);
      opts.target = a.slice(2);
    } else if (a === '--with-demo') opts.withDemo = true;
    else if (a === '--persist-to') {
      const v = argv[++i];
      if (!v) fail(2, `--persist-to needs a directory. ${USAGE}`);
      opts.persistTo = resolve(v);
    } else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else fail(2, `Unknown argument ${JSON.stringify(a.slice(0, 60))}. ${USAGE}`);
  }
  if (!opts.target) fail(2, `Say where to seed: --remote (the Cloudflare account in wrangler.toml) or --local. ${USAGE}`);
  if (opts.persistTo && opts.target !== 'local') fail(2, `--persist-to only applies with --local. ${USAGE}`);
  return opts;
}

function wrangler(args, label) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(wranglerBin, args, { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolveRun(out) : reject(new Error(`${label} failed (wrangler exit ${code}):\n${err || out}`))));
  });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const where = opts.target === 'remote' ? ['--remote'] : ['--local', ...(opts.persistTo ? ['--persist-to', opts.persistTo] : [])];
  const tokens = {};
  const generated = [];
  if (opts.withDemo) {
    for (const name of ['HALL_DEMO_TENANT_TOKEN', 'HALL_DEMO_APPROVER_TOKEN']) {
      if (process.env[name]) tokens[name] = process.env[name];
      else {
        tokens[name] = newToken();
        generated.push(name);
      }
    }
  }
  const entries = buildSeedEntries(join(root, 'kv-seed'), { tokens, demo: opts.withDemo });

  // Presence: one full key listing (remote listings are paged to the end). A local listing stops
  // at 1,000 keys; then each seed key is checked on its own (a key sorts first among the keys it
  // prefixes, so an exact-prefix listing answers "is it there").
  const listKeys = async (prefix) => {
    const out = await wrangler(['kv', 'key', 'list', '--binding', 'HALL_KV', ...(prefix ? ['--prefix', prefix] : []), ...where], `listing KV keys${prefix ? ` (${prefix})` : ''}`);
    const start = out.search(/^\[/m);
    if (start < 0) throw new Error(`listing KV keys: wrangler printed no key list:\n${out}`);
    return JSON.parse(out.slice(start)).map((k) => k.name);
  };
  const keys = keysToCheck(entries);
  const present = new Set();
  const all = await listKeys(null);
  if (opts.target === 'remote' || all.length < 1000) {
    const listed = new Set(all);
    for (const k of keys) if (listed.has(k)) present.add(k);
  } else {
    for (const k of keys) if ((await listKeys(k)).includes(k)) present.add(k);
  }
  const { write, kept } = seedPlan(entries, present);

  const tmp = mkdtempSync(join(tmpdir(), 'edgehall-seed-'));
  try {
    if (write.length) {
      const file = join(tmp, 'kv.json');
      writeFileSync(file, JSON.stringify(write), { mode: 0o600 });
      await wrangler(['kv', 'bulk', 'put', file, '--binding', 'HALL_KV', ...where], 'writing KV');
    }
    log(`KV: ${write.length} keys written, ${kept.length} left as they were${write.length ? ` (${write.map((e) => e.key.replace(/^token:.*/, 'token:…')).join(', ')})` : ''}`);

    const sqlFile = join(tmp, 'seed.sql');
    const sql = opts.withDemo ? buildRegistrySeedSql(join(root, 'kv-seed')) : `UPDATE hall_meta SET generation = generation + 1, updated_at = '${new Date().toISOString()}' WHERE id = 1;\n`;
    writeFileSync(sqlFile, sql);
    try {
      await wrangler(['d1', 'execute', 'HALL_DB', ...where, '--file', sqlFile, '--yes'], opts.withDemo ? 'seeding the D1 registry' : 'bumping the Hall generation');
    } catch (err) {
      if (/no such table: hall_meta|no such table: (species_owners|registry_workers)/.test(err.message)) {
        fail(1, `The D1 database has no Hall tables yet. Apply the migrations first: npx wrangler d1 migrations apply HALL_DB ${where.join(' ')}`);
      }
      throw err;
    }
    log(opts.withDemo ? 'D1: demo workers seeded (existing workers kept), generation bumped' : 'D1: generation bumped (running isolates reload)');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  if (opts.withDemo) {
    const written = new Set(write.map((e) => e.key));
    const shown = [
      ['tenant:demo', 'HALL_DEMO_TENANT_TOKEN', 'demo tenant'],
      ['approver:demo-approver', 'HALL_DEMO_APPROVER_TOKEN', 'demo approver'],
    ];
    for (const [key, name, what] of shown) {
      if (!written.has(key)) log(`${what}: already present, its token was left as it was (rotate it with PUT /admin/${key.startsWith('tenant') ? 'tenants/demo' : 'approvers/demo-approver'})`);
      else if (generated.includes(name)) console.log(`${name}=${tokens[name]}   # ${what} token: shown once, only its SHA-256 is stored. Keep it now.`);
      else log(`${what}: token from ${name} in the environment`);
    }
    if (!written.has('config')) log('the hall config was kept as it was: if tenant demo should route, add it to allowed_tenants with PUT /admin/config');
  } else {
    log('no demo data: create tenants with PUT /admin/tenants/:id and allow them with PUT /admin/config (allowed_tenants)');
  }
}

main().catch((err) => fail(1, err.message));
