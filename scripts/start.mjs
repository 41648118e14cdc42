#!/usr/bin/env node
// `npm start`: one command to a live local Hall.
//   1. check EDGEHALL_PORT (exit 2 when it is not a port) and that the port is free (exit 1 when
//      something already listens there: its "ready" would not be ours)
//   2. create .dev.vars when absent (admin token, Ed25519 signing key, demo tenant and approver tokens)
//   3. apply the D1 migrations to the local database
//   4. seed what is absent, never overwriting: kv-seed/ into local KV (rules, config, policy, ban
//      list, demo tenant and approver) and kv-seed/workers/ into the D1 registry (INSERT OR IGNORE)
//   5. run `wrangler dev` on http://127.0.0.1:<port>; print "ready" only once that wrangler process
//      itself reports the port and the Hall answers /wcp/health while it is alive; the seed's demo
//      workers (demo-workers/) run in the same session behind the Hall's DEMO_WORKERS Service binding
// Ctrl-C (SIGINT/SIGTERM/SIGHUP) is forwarded to the wrangler process itself, which stops workerd.
// Exit codes: 0 stopped by a signal or --setup-only done; 1 a step or wrangler failed; 2 bad EDGEHALL_PORT.
// Options (env): EDGEHALL_PORT (8787), EDGEHALL_PERSIST_DIR (.wrangler/state). Flag: --setup-only.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDevVars } from './dev-vars.mjs';
import { buildSeedEntries } from './kv-seed.mjs';
import { buildRegistrySeedSql } from './registry-seed.mjs';
import { localDevArgs } from './local-dev.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const DEFAULT_PORT = 8787;
const setupOnly = process.argv.includes('--setup-only');
const persistDir = resolve(process.env.EDGEHALL_PERSIST_DIR ?? join(root, '.wrangler', 'state'));
const wranglerBin = join(root, 'node_modules', '.bin', 'wrangler');
const childEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CI: process.env.CI ?? 'true', // non-interactive: no prompts, no hotkeys
};

const log = (msg) => console.log(`[edgehall] ${msg}`);
class StartError extends Error {
  constructor(exitCode, message) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** EDGEHALL_PORT as a port number; anything but a whole number from 1 to 65535 is refused. */
function parsePort(raw) {
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const text = String(raw).trim();
  const n = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new StartError(
      2,
      `EDGEHALL_PORT must be a whole number from 1 to 65535, not ${JSON.stringify(String(raw).slice(0, 40))}. Set it to a free port (for example EDGEHALL_PORT=8788 npm start) or unset it to use ${DEFAULT_PORT}.`,
    );
  }
  return n;
}

/** Resolves when nothing listens on host:port (by listening on it for a moment); throws a StartError otherwise. */
function ensurePortFree(port) {
  return new Promise((resolveFree, reject) => {
    const srv = createServer();
    srv.once('error', (err) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new StartError(
            1,
            `Port ${port} on ${HOST} is already in use (another Hall or program is listening there), so npm start did not start a second Hall. Stop that program, or choose a free port with EDGEHALL_PORT (for example EDGEHALL_PORT=${port === 65535 ? 8788 : port + 1} npm start).`,
          ),
        );
      } else if (err.code === 'EACCES') {
        reject(new StartError(1, `This user may not listen on port ${port} (ports below 1024 need privileges). Choose a port from 1024 to 65535 with EDGEHALL_PORT.`));
      } else reject(new StartError(1, `Cannot listen on ${HOST}:${port} (${err.code ?? err.message}). Choose another port with EDGEHALL_PORT.`));
    });
    srv.listen({ port, host: HOST, exclusive: true }, () => srv.close(() => resolveFree()));
  });
}

const run = (args, label) => runProgram(wranglerBin, args, label);
const runNode = (args, label) => runProgram(process.execPath, args, label);

function runProgram(program, args, label) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(program, args, { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (err) => reject(new StartError(1, `${label} failed: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolveRun(out);
      else reject(new StartError(1, `${label} failed (exit ${code}):\n${out}`));
    });
  });
}

async function setup() {
  const devVarsPath = join(root, '.dev.vars');
  const { vars, created, added } = ensureDevVars(devVarsPath);
  if (created) log('created .dev.vars (admin token, Ed25519 signing key, demo tenant and approver tokens)');
  else if (added.length) log(`added ${added.join(', ')} to .dev.vars`);
  else log('using existing .dev.vars');

  mkdirSync(persistDir, { recursive: true });
  await run(['d1', 'migrations', 'apply', 'HALL_DB', '--local', '--persist-to', persistDir], 'applying D1 migrations');
  log('D1 migrations applied (local)');

  const tmp = mkdtempSync(join(tmpdir(), 'edgehall-seed-'));
  try {
    // Seeded in a child process: wrangler's API installs its own SIGINT/SIGTERM handlers.
    const entriesFile = join(tmp, 'kv-seed.json');
    writeFileSync(entriesFile, JSON.stringify(buildSeedEntries(join(root, 'kv-seed'), { tokens: vars })), { mode: 0o600 });
    const out = await runNode([join(root, 'scripts', 'kv-seed.mjs'), '--seed-local', join(root, 'wrangler.toml'), persistDir, entriesFile], 'loading kv-seed into local KV');
    const line = out.split('\n').findLast((l) => l.startsWith('{"written"'));
    if (!line) throw new StartError(1, `loading kv-seed into local KV printed no result:\n${out}`);
    const seeded = JSON.parse(line);
    log(`kv-seed loaded into local KV (${seeded.written.length} keys written, ${seeded.kept.length} already present and kept)`);

    const sqlFile = join(tmp, 'registry-seed.sql');
    writeFileSync(sqlFile, buildRegistrySeedSql(join(root, 'kv-seed')));
    await run(['d1', 'execute', 'HALL_DB', '--local', '--persist-to', persistDir, '--file', sqlFile, '--yes'], 'seeding the D1 registry');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  log('registry seed applied to local D1 (workers already enrolled are kept)');
}

const stripAnsi = (s) => s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');

async function serve(port) {
  // Checked again right before wrangler starts: setup took seconds.
  await ensurePortFree(port);
  // The Hall plus the seed's demo workers in one session (local-only config: scripts/local-dev.mjs).
  const args = ['dev', ...localDevArgs(root), '--ip', HOST, '--port', String(port), '--persist-to', persistDir, '--show-interactive-dev-session=false'];
  const child = spawn(wranglerBin, args, { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  // wrangler's own output is passed through; its "Ready on" line for our port is the first sign
  // that this child (not some other server) holds the port.
  const readyMark = `Ready on http://${HOST}:${port}`;
  let seen = '';
  let childReady = false;
  const watch = (stream, sink) =>
    stream.on('data', (d) => {
      sink.write(d);
      if (!childReady) {
        seen = (seen + stripAnsi(String(d))).slice(-4096);
        if (seen.includes(readyMark)) childReady = true;
      }
    });
  watch(child.stdout, process.stdout);
  watch(child.stderr, process.stderr);

  let stopping = false;
  const stop = (reason) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (stopping) {
      child.kill('SIGKILL');
      return;
    }
    stopping = true;
    log(`${reason}: stopping wrangler dev`);
    child.kill('SIGINT');
    setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), 8000).unref();
    setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 15000).unref();
  };
  let signalled = false;
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(s, () => {
      signalled = true;
      stop(s);
    });
  }
  const exited = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
  child.on('error', () => undefined);

  let failure = null;
  try {
    const health = await waitUntilReady(child, port, () => childReady, 90_000);
    const base = `http://${HOST}:${port}`;
    const where = relative(process.cwd(), root) || '.';
    const vars = join(where, '.dev.vars');
    const example = join(where, 'kv-seed', 'examples', 'route.json');
    console.log('');
    log(`ready: ${base} (rules ${health.rules_version}, ${health.workers_enrolled} workers, status ${health.status})`);
    log(`tokens in ${vars}: HALL_DEMO_TENANT_TOKEN (tenant demo), HALL_DEMO_APPROVER_TOKEN (approver demo-approver), HALL_ADMIN_TOKEN (admin)`);
    log(`try: curl -sS -X POST ${base}/route -H "Authorization: Bearer $(sed -n 's/^HALL_DEMO_TENANT_TOKEN=//p' ${vars})" -H 'content-type: application/json' --data @${example}`);
    log(`monitor: ${base}/monitor (the Hall Monitor in a browser; sign in with one of those tokens)`);
    log(`MCP: ${base}/mcp (Streamable HTTP, Authorization: Bearer <HALL_DEMO_TENANT_TOKEN>); the seed's six workers run behind it as demo workers (demo-workers/, docs/demo-workers.md)`);
    log('Ctrl-C stops the Hall.');
  } catch (err) {
    if (!signalled) {
      failure = err;
      console.error(`[edgehall] ${err.message}`);
      stop('startup failure');
    }
  }
  const { code, signal } = await exited;
  if (signalled) return 0;
  if (failure) return 1;
  // wrangler dev stopped on its own after the Hall was ready: that is a failure too.
  console.error(`[edgehall] wrangler dev stopped unexpectedly (${signal ? `signal ${signal}` : `exit ${code}`}); the Hall is no longer running. See its output above.`);
  return 1;
}

/** Waits for this wrangler child to report our port and the Hall to answer /wcp/health. */
async function waitUntilReady(child, port, childReady, deadlineMs) {
  const url = `http://${HOST}:${port}/wcp/health`;
  const until = Date.now() + deadlineMs;
  const alive = () => child.exitCode === null && child.signalCode === null;
  while (Date.now() < until) {
    if (!alive()) throw new Error(`wrangler dev exited (${child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`}) before the Hall was ready; see its output above.`);
    if (childReady()) {
      try {
        const res = await fetch(url);
        if (res.status === 200) {
          const health = await res.json();
          if (alive()) return health;
        }
      } catch {
        // not answering yet
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Hall did not answer ${url} within ${deadlineMs / 1000}s; see wrangler's output above.`);
}

async function main() {
  const port = parsePort(process.env.EDGEHALL_PORT);
  if (!setupOnly) await ensurePortFree(port);
  await setup();
  if (setupOnly) return 0;
  return serve(port);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`[edgehall] ${err.message}`);
    process.exit(err instanceof StartError ? err.exitCode : 1);
  },
);
