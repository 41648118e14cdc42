// Bundle sizes of each public entry as a user's bundler would produce them: raw (bundled, not
// minified), minified, and minified+gzip (level 9), for the browser and for workerd, with the ratio
// of `edgehall/verify` to its 14 KB gzip budget (12 KB until the transparency-log verifiers joined it). test/package holds the budget on the packed build.
import { build, type BuildOptions } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const VERIFY_BUDGET_GZIP = 14 * 1024;

export type BundleTarget = 'browser' | 'workerd';

export interface BundleSize {
  raw: number;
  min: number;
  gzip: number;
  /** Node built-ins the bundle tried to import (must be empty for web-standard entries). */
  nodeImports: string[];
  /** Minified bytes contributed by each input file, largest first. */
  inputs: { file: string; bytes: number }[];
}

const targetOptions: Record<BundleTarget, BuildOptions> = {
  browser: { platform: 'browser' },
  workerd: { platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'] },
};

async function bundle(code: string, resolveDir: string, target: BundleTarget, minify: boolean): Promise<{ text: string; nodeImports: string[]; inputs: BundleSize['inputs'] }> {
  const nodeImports: string[] = [];
  const result = await build({
    stdin: { contents: code, resolveDir, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify,
    metafile: true,
    legalComments: 'none',
    logLevel: 'silent',
    ...targetOptions[target],
    plugins: [
      {
        name: 'no-node',
        setup(b) {
          // A web-standard entry must never reach a Node built-in; record it instead of failing the build.
          b.onResolve({ filter: /^node:|^(fs|path|crypto|buffer|stream|zlib|os|child_process|url|util)$/ }, (a) => {
            nodeImports.push(a.path);
            return { path: a.path, external: true };
          });
        },
      },
    ],
  });
  const output = Object.values(result.metafile?.outputs ?? {})[0];
  const inputs = Object.entries(output?.inputs ?? {})
    .map(([file, i]) => ({ file: file.replace(/^.*node_modules\//, ''), bytes: i.bytesInOutput }))
    .filter((i) => i.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  return { text: result.outputFiles?.[0]?.text ?? '', nodeImports, inputs };
}

/**
 * Size of what `import * as m from <specifier>` pulls in. `code` defaults to importing every export
 * (the worst case for a user); `resolveDir` is where the specifier resolves from.
 */
export async function measureEntry(specifier: string, resolveDir: string, target: BundleTarget, code?: string): Promise<BundleSize> {
  const entry = code ?? `export * from ${JSON.stringify(specifier)};`;
  const raw = await bundle(entry, resolveDir, target, false);
  const min = await bundle(entry, resolveDir, target, true);
  return {
    raw: Buffer.byteLength(raw.text),
    min: Buffer.byteLength(min.text),
    gzip: gzipSync(min.text, { level: 9 }).length,
    nodeImports: [...new Set([...raw.nodeImports, ...min.nodeImports])],
    inputs: min.inputs,
  };
}

const kb = (n: number): string => `${(n / 1024).toFixed(1)} KB`;

export async function run(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const entries: [string, string, string][] = [
    ['edgehall', './src/index.ts', ''],
    ['edgehall/verify', './src/verify.ts', ''],
    ['edgehall/client', './src/client/entry.ts', ''],
  ];
  // What a page that must also serve browsers without WebCrypto Ed25519 ships.
  const withNoble = `export * from './src/verify.ts'; export { enableNobleEd25519 } from './src/crypto/ed25519.ts';`;
  console.log('entry              target    raw        min        gzip       vs 14 KB budget');
  for (const [name, file, code] of [...entries, ['verify+noble', '', withNoble] as const]) {
    for (const target of ['browser', 'workerd'] as const) {
      const s = await measureEntry(file, root, target, code || undefined);
      const ratio = `${((s.gzip / VERIFY_BUDGET_GZIP) * 100).toFixed(0)}%`;
      const note = s.nodeImports.length ? `  NODE IMPORTS: ${s.nodeImports.join(', ')}` : '';
      console.log(`${name.padEnd(18)} ${target.padEnd(9)} ${kb(s.raw).padEnd(10)} ${kb(s.min).padEnd(10)} ${kb(s.gzip).padEnd(10)} ${ratio}${name === 'edgehall/verify' ? (s.gzip <= VERIFY_BUDGET_GZIP ? ' (within budget)' : ' (OVER BUDGET)') : ''}${note}`);
    }
  }
}
