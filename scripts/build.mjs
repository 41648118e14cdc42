#!/usr/bin/env node
// `npm run build`: the package as users receive it.
//
//   dist/esm/**   ESM, one file per source module (bundlers tree-shake; `sideEffects: false`)
//   dist/cjs/**   CommonJS twin of dist/esm (a nested package.json marks the folder commonjs), so
//                 `require('edgehall')` and `require('edgehall/client')` share one class identity
//   dist/*/**.d.ts  declarations from tsc (tsconfig.build.json), copied into both trees
//   dist/cli/     the Node CLI (bin/edgehall.js picks up dist/cli/main.js); never in the browser graph
//
// Every relative import is rewritten to the emitted file's real path with a `.js` extension, so the
// output runs under Node's strict ESM resolver whatever style the sources use (the repo's tsconfig
// resolves like a bundler). Usage: node scripts/build.mjs [--root DIR] [--out DIR] [--no-types] [--no-cli] [--check]
// (--check type-checks while emitting declarations; by default that is `npm run typecheck`'s job).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const rootArg = args.indexOf('--root');
const root = resolve(rootArg >= 0 ? args[rootArg + 1] : join(dirname(fileURLToPath(import.meta.url)), '..'));
const outArg = args.indexOf('--out');
const src = join(root, 'src');
const dist = outArg >= 0 ? resolve(args[outArg + 1]) : join(root, 'dist');

const started = Date.now();
rmSync(dist, { recursive: true, force: true });

/** Every module under src/ that is not a declaration or a test. */
function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|mts)$/.test(name) && !/\.d\.ts$|\.test\.ts$/.test(name)) out.push(full);
  }
  return out;
}

/** The source file a relative specifier points at (bundler-style: extension optional, index files). */
function resolveSource(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  const stem = base.replace(/\.(js|mjs|ts|mts)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.d.ts`, join(base, 'index.ts'), join(stem, 'index.ts'), join(base, 'index.d.ts')];
  for (const c of candidates) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

/** The specifier, relative to `fromFile`, of the emitted `.js` for `target` (a source or .d.ts path). */
function emittedSpecifier(fromFile, target) {
  let rel = relative(dirname(fromFile), target).split(sep).join('/');
  rel = rel.replace(/\.d\.ts$/, '.js').replace(/\.(ts|mts)$/, '.js');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

// Keep each module its own file: relative imports stay external, pointing at the emitted sibling.
// JSON is inlined (no import attributes needed); packages stay external (they are dependencies).
const perFile = {
  name: 'per-file',
  setup(b) {
    b.onResolve({ filter: /^\.\.?(\/|$)/ }, (a) => {
      if (a.kind === 'entry-point') return undefined;
      const target = resolveSource(a.importer, a.path);
      if (!target) return { errors: [{ text: `cannot resolve ${a.path} from ${relative(root, a.importer)}` }] };
      if (target.endsWith('.json')) return undefined;
      return { path: emittedSpecifier(a.importer, target), external: true };
    });
  },
};

const entryPoints = sourceFiles(src);
const common = {
  entryPoints,
  outbase: src,
  bundle: true,
  packages: 'external',
  platform: 'neutral',
  target: 'es2022',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [perFile],
};
await build({ ...common, format: 'esm', outdir: join(dist, 'esm') });
await build({ ...common, format: 'cjs', outdir: join(dist, 'cjs') });
writeFileSync(join(dist, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');

if (!flag('--no-types')) {
  const tmp = join(dist, '.types');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  // --noCheck: declarations only (twice as fast); `npm run typecheck` is where types are checked.
  const check = flag('--check') ? [] : ['--noCheck'];
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', tmp, ...check], { stdio: 'inherit', cwd: root });
  } catch {
    console.error('edgehall build: tsc failed to emit declarations (errors above).');
    process.exit(1);
  }
  copyDeclarations(tmp, tmp, [join(dist, 'esm'), join(dist, 'cjs')]);
  rmSync(tmp, { recursive: true, force: true });
}

/** Copy tsc's .d.ts tree into each output tree, with relative specifiers made Node-resolvable. */
function copyDeclarations(dir, base, targets) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      copyDeclarations(full, base, targets);
      continue;
    }
    if (!name.endsWith('.d.ts')) continue;
    const text = readFileSync(full, 'utf8').replace(
      /((?:from|import)\s*\(?\s*)(['"])(\.\.?(?:\/[^'"]*)?)\2/g,
      (whole, lead, quote, spec) => {
        const target = resolveSource(full, spec);
        return target ? `${lead}${quote}${emittedSpecifier(full, target)}${quote}` : whole;
      },
    );
    for (const t of targets) {
      const out = join(t, relative(base, full));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, text);
    }
  }
}

if (!flag('--no-cli') && existsSync(join(root, 'cli', 'main.ts'))) {
  // The CLI is Node-only: bundled with its src/ imports, dependencies external, commands split out
  // so `edgehall --help` loads each command lazily as in the source checkout.
  await build({
    entryPoints: [join(root, 'cli', 'main.ts')],
    outdir: join(dist, 'cli'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    legalComments: 'none',
    logLevel: 'warning',
    chunkNames: 'chunks/[name]-[hash]',
  });
}

console.log(`edgehall: built ${relative(process.cwd(), dist) || '.'}/ (${entryPoints.length} modules) in ${Date.now() - started} ms`);
