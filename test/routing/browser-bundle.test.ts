// src/ must run unchanged in browsers: bundle src/index.ts for the browser and fail on any Node
// built-in import (direct or through a dependency) or Node-only global.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

describe('browser bundle of src/index.ts', () => {
  it('builds for platform=browser without any Node built-in', async () => {
    const hits: string[] = [];
    const guard: Plugin = {
      name: 'no-node-builtins',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (args) => {
          if (args.path.startsWith('node:') || builtins.has(args.path.split('/')[0]!)) {
            hits.push(`${args.path} (imported by ${args.importer})`);
            return { path: args.path, external: true };
          }
          return undefined;
        });
      },
    };
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      plugins: [guard],
      metafile: true,
    });
    expect(hits).toEqual([]);
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code.length).toBeGreaterThan(1000);
    // Node-only globals must not be referenced by the SDK.
    expect(code).not.toMatch(/\bBuffer\.(from|alloc|isBuffer)\b/);
    expect(code).not.toMatch(/\bprocess\.(env|versions|nextTick)\b/);
    expect(code).not.toMatch(/\brequire\(/);
  });
});
