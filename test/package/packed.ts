// Builds and packs the repository in a staging copy (so the checkout's own dist/ is never touched:
// bin/edgehall.js prefers a built CLI when one exists), then installs the tarball into a fresh
// project the way a user would. Shared by the package, browser and examples tests.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

// npm settings that say where packages come from (kept); every other npm_* variable a parent
// `npm test` exports (lifecycle, package fields, command flags) is dropped.
const KEEP_NPM = /^npm_config_(cache|registry|userconfig|globalconfig|proxy|https_proxy|noproxy|strict_ssl|cafile|ca|fetch_[a-z_]+|@[^=]+:registry)$/i;

/** The environment for child npm processes, without the lifecycle variables of a parent `npm test`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) || KEEP_NPM.test(k)) env[k] = v;
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra };
}

export interface Packed {
  /** Temporary root holding stage/, app/ and the tarball. */
  dir: string;
  tarball: string;
  /** The consumer project with the tarball installed. */
  app: string;
  /** node_modules/edgehall inside the consumer project. */
  installed: string;
}

const STAGED = ['package.json', 'README.md', 'LICENSE', 'bin', 'src', 'cli', 'scripts', 'tsconfig.json', 'tsconfig.build.json', 'verify', 'client'];

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function packAndInstall(): Packed {
  const dir = mkdtempSync(join(tmpdir(), 'edgehall-pack-'));
  const stage = join(dir, 'stage');
  mkdirSync(stage);
  for (const name of STAGED) {
    const from = join(repoRoot, name);
    if (existsSync(from)) cpSync(from, join(stage, name), { recursive: true });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(stage, 'node_modules'), 'dir');

  // `prepack` runs the build; --json names the tarball.
  const out = npm(['pack', '--json', '--pack-destination', dir], stage);
  const json = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[];
  const tarball = join(dir, json[0]!.filename);

  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'edgehall-consumer', version: '1.0.0', private: true }));
  // Dependencies come from the local npm cache (filled by the repo's own install); the network is
  // only a fallback.
  try {
    npm(['install', '--offline', '--no-audit', '--no-fund', tarball], app);
  } catch {
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);
  }
  const installed = join(app, 'node_modules', 'edgehall');
  return { dir, tarball, app, installed };
}

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}
