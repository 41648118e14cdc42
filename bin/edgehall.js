#!/usr/bin/env node
// Runs the built CLI when the package is installed; in a source checkout, runs cli/main.ts via tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
let mod;
if (existsSync(built)) {
  mod = await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(new URL('../cli/main.ts', import.meta.url).href);
}
const code = await mod.main(process.argv.slice(2));
process.exitCode = code;
