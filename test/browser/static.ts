// Loopback static hosting and the browser build of edgehall/verify, shared by the browser and
// examples tests.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface StaticFile {
  type: string;
  body: string | Uint8Array;
}

export interface StaticSite {
  url: string;
  close(): Promise<void>;
}

export function serveFiles(files: Record<string, StaticFile>): Promise<StaticSite> {
  const server: Server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\//, '') || 'index.html';
    const f = files[name];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f.type, 'cache-control': 'no-store' });
    res.end(f.body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

const built = new Set<string>();

/**
 * The package's own build (scripts/build.mjs into `workDir/dist`, once per workDir) of one entry
 * (`verify` or `client/entry`), bundled and minified for the browser as a user's bundler would.
 * Returns the single ESM file's text.
 */
export async function buildBrowserBundle(workDir: string, entry: 'verify' | 'client/entry'): Promise<string> {
  const out = join(workDir, 'dist');
  if (!built.has(out)) {
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--out', out, '--no-types', '--no-cli'], { stdio: 'pipe' });
    built.add(out);
  }
  const result = await build({
    entryPoints: [join(out, 'esm', `${entry}.js`)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    nodePaths: [join(root, 'node_modules')],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** The browser bundle of edgehall/verify. */
export function buildVerifyBundle(workDir: string): Promise<string> {
  return buildBrowserBundle(workDir, 'verify');
}
