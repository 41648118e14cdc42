#!/usr/bin/env node
// `npm start`: one command to a live local Hall.
//   1. create .dev.vars when absent (admin token, Ed25519 signing key, demo tenant token)
//   2. apply the D1 migrations to the local database
//   3. load kv-seed/ into local KV (idempotent: the same keys are overwritten with the same values)
//   4. run `wrangler dev` on http://127.0.0.1:8787 and print a ready line with a working curl
// Ctrl-C (SIGINT/SIGTERM/SIGHUP) is forwarded to the wrangler process itself, which stops workerd.
// Options (env): EDGEHALL_PORT (8787), EDGEHALL_PERSIST_DIR (.wrangler/state). Flag: --setup-only.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDevVars } from './dev-vars.mjs';
import { buildSeedEntries } from './kv-seed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.env.EDGEHALL_PORT ?? 8787);
const persistDir = process.env.EDGEHALL_PERSIST_DIR ?? join(root, '.wrangler', 'state');
const setupOnly = process.argv.includes('--setup-only');
const wranglerBin = join(root, 'node_modules', '.bin', 'wrangler');
const childEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CI: process.env.CI ?? 'true', // non-interactive: no prompts, no hotkeys
};

const log = (msg) => console.log(`[edgehall] ${msg}`);

function run(args, label) {
  return new Promise((resolve, reject) => {
    const child = spawn(wranglerBin, args, { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${label} failed (exit ${code}):\n${out}`));
    });
  });
}

async function setup() {
  const devVarsPath = join(root, '.dev.vars');
  const { vars, created, added } = ensureDevVars(devVarsPath);
  if (created) log('created .dev.vars (admin token, Ed25519 signing key, demo tenant token)');
  else if (added.length) log(`added ${added.join(', ')} to .dev.vars`);
  else log('using existing .dev.vars');

  mkdirSync(persistDir, { recursive: true });
  await run(['d1', 'migrations', 'apply', 'HALL_DB', '--local', '--persist-to', persistDir], 'applying D1 migrations');
  log('D1 migrations applied (local)');

  const entries = buildSeedEntries(join(root, 'kv-seed'), { tokens: vars });
  const seedFile = join(persistDir, 'kv-seed.bulk.json');
  writeFileSync(seedFile, JSON.stringify(entries));
  await run(['kv', 'bulk', 'put', seedFile, '--binding', 'HALL_KV', '--local', '--persist-to', persistDir], 'loading kv-seed');
  log(`kv-seed loaded into local KV (${entries.length} keys)`);
}

async function waitForHealth(child, deadlineMs) {
  const url = `http://127.0.0.1:${port}/wcp/health`;
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (code ${child.exitCode}) before the Hall was ready`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return await res.json();
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Hall did not answer ${url} within ${deadlineMs / 1000}s`);
}

async function serve() {
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persistDir, '--show-interactive-dev-session=false'];
  const child = spawn(wranglerBin, args, { cwd: root, env: childEnv, stdio: ['ignore', 'inherit', 'inherit'] });
  let stopping = false;
  const stop = (signal) => {
    if (stopping) {
      child.kill('SIGKILL');
      return;
    }
    stopping = true;
    log(`${signal}: stopping wrangler dev`);
    child.kill('SIGINT');
    setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), 8000).unref();
    setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 15000).unref();
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => stop(s));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

  try {
    const health = await waitForHealth(child, 90_000);
    const base = `http://127.0.0.1:${port}`;
    const where = relative(process.cwd(), root) || '.';
    const vars = join(where, '.dev.vars');
    const example = join(where, 'kv-seed', 'examples', 'route.json');
    console.log('');
    log(`ready: ${base} (rules ${health.rules_version}, ${health.workers_enrolled} workers, status ${health.status})`);
    log(`try: curl -sS -X POST ${base}/route -H "Authorization: Bearer $(sed -n 's/^HALL_DEMO_TENANT_TOKEN=//p' ${vars})" -H 'content-type: application/json' --data @${example}`);
    log('Ctrl-C stops the Hall.');
  } catch (err) {
    if (!stopping) {
      console.error(`[edgehall] ${err.message}`);
      stop('startup failure');
    }
  }
  const { code, signal } = await exited;
  process.exit(stopping ? 0 : (code ?? (signal ? 1 : 0)));
}

try {
  await setup();
  if (setupOnly) process.exit(0);
  await serve();
} catch (err) {
  console.error(`[edgehall] ${err.message}`);
  process.exit(1);
}
