// Running the real `npm start` (scripts/start.mjs) from a throwaway copy of the project: each copy
// has its own .dev.vars and local state; node_modules is shared through a symlink.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDevVars } from '../../scripts/dev-vars.mjs';

export const repo = new URL('../../', import.meta.url).pathname;
const PROJECT_FILES = ['package.json', 'tsconfig.json', 'wrangler.toml', 'worker', 'src', 'migrations', 'kv-seed', 'scripts', 'demo-workers', 'monitor'];

/** A fresh copy of the project (no .dev.vars, no local state); `node_modules` links to the repo's. */
export function copyProject(prefix = 'edgehall-start-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const p of PROJECT_FILES) cpSync(join(repo, p), join(dir, p), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

export const removeProject = (dir: string): void => rmSync(dir, { recursive: true, force: true });

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export function devVars(dir: string): Record<string, string> {
  return parseDevVars(readFileSync(join(dir, '.dev.vars'), 'utf8')) as Record<string, string>;
}

/** Runs start.mjs to completion (for --setup-only and refusals); never leaves a process behind. */
export function runStart(dir: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/start.mjs', ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

export interface RunningHall {
  child: ChildProcess;
  port: number;
  base: string;
  output(): string;
  /** SIGINT to start.mjs (which stops its wrangler child); resolves with start.mjs's exit code. */
  stop(): Promise<number | null | 'timeout'>;
}

/** Starts `npm start` on `port` and waits for its ready line (or its exit). */
export async function startHall(dir: string, port: number, env: Record<string, string> = {}): Promise<RunningHall> {
  const child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: dir, env: { ...process.env, ...env, EDGEHALL_PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const hall: RunningHall = {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
    },
  };
  const deadline = Date.now() + 150_000;
  while (!out.includes('[edgehall] ready:') && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 200));
  }
  return hall;
}
