// The README is the user's manual: its examples must be the files the other suites run, its
// first commands must be the ones that work, and its links must lead somewhere.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

// Each of these files is executed by test/routing (sdk-*), test/dispatch-node (dispatch-target) or
// test/examples (the rest).
const embedded = [
  ['examples/sdk-route.ts', 'ts'],
  ['examples/node-quickstart.ts', 'ts'],
  ['examples/browser-verify-chain.html', 'html'],
  ['examples/worker-tool-gateway.ts', 'ts'],
  ['examples/agent-tool-call.ts', 'ts'],
  ['examples/dispatch-target.ts', 'ts'],
] as const;

describe('README', () => {
  it('starts with the two commands that work on a fresh machine', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(firstBlock).toMatch(/^npm install && npm start\b/m);
    expect(firstBlock).toMatch(/^npm test\b/m);
  });

  it.each(embedded)('embeds %s verbatim', (file, lang) => {
    const source = readFileSync(join(root, file), 'utf8').trimEnd();
    expect(readme).toContain('```' + lang + '\n' + source + '\n```');
  });

  it('links only to files that exist', () => {
    const links = [...readme.matchAll(/\]\(((?:docs|examples)\/[^)#]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(3);
    for (const link of links) expect(existsSync(join(root, link)), link).toBe(true);
  });

  it('documents every CLI command and the npm scripts it names', () => {
    for (const cmd of ['route', 'conformance', 'hash', 'sign', 'verify', 'keygen']) expect(readme).toContain(`npx edgehall ${cmd}`);
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    for (const s of [...readme.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!)) expect(Object.keys(scripts), s).toContain(s);
  });

  it('shows the curl of the seed example the Hall allows', () => {
    expect(readme).toContain('--data @kv-seed/examples/route.json');
    expect(existsSync(join(root, 'kv-seed/examples/route.json'))).toBe(true);
  });
});
