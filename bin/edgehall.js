#!/usr/bin/env node
// In a source checkout (cli/main.ts present) runs the TypeScript sources through tsx, so the
// command never lags behind the code; an installed package ships only dist/ and runs that.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const source = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
let mod;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(pathToFileURL(source).href);
} else {
  mod = await import(pathToFileURL(built).href);
}
process.exitCode = await mod.main(process.argv.slice(2));
