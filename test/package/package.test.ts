// The published package, checked the way a user meets it: packed, installed from the tarball into a
// fresh project, imported from Node ESM and CJS, bundled for the browser and for workerd, linted by
// publint and @arethetypeswrong/cli, and held to the edgehall/verify size budget.
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { measureEntry, VERIFY_BUDGET_GZIP } from '../../bench/bundle.js';
import { cleanEnv, packAndInstall, readJson, repoRoot, type Packed } from './packed.js';

let pkg: Packed;

beforeAll(() => {
  pkg = packAndInstall();
});

afterAll(() => {
  if (pkg && !process.env.EDGEHALL_KEEP_PACK) rmSync(pkg.dir, { recursive: true, force: true });
});

function node(file: string, cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [file], { cwd, env: cleanEnv(), encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the tarball', () => {
  it('ships the built ESM, CJS, declarations and CLI, and no sources or tests', () => {
    const files = execFileSync('tar', ['-tzf', pkg.tarball], { encoding: 'utf8' }).trim().split('\n');
    for (const f of [
      'package/package.json',
      'package/dist/esm/index.js',
      'package/dist/esm/index.d.ts',
      'package/dist/esm/verify.js',
      'package/dist/esm/client/index.js',
      'package/dist/cjs/index.js',
      'package/dist/cjs/index.d.ts',
      'package/dist/cjs/package.json',
      'package/dist/cli/main.js',
      'package/bin/edgehall.js',
      'package/verify/package.json',
      'package/client/package.json',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^package\/(src|test|worker|bench|scripts|cli)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('declares sideEffects: false and every subpath with types, browser, workerd, import and require', () => {
    const manifest = readJson<Record<string, any>>(join(pkg.installed, 'package.json'));
    expect(manifest.sideEffects).toBe(false);
    for (const sub of ['.', './verify', './client']) {
      const e = manifest.exports[sub];
      expect(Object.keys(e)).toEqual(['import', 'require']);
      expect(Object.keys(e.import)).toEqual(['types', 'workerd', 'browser', 'default']);
      expect(Object.keys(e.require)).toEqual(['types', 'default']);
    }
    expect(manifest.exports['./package.json']).toBe('./package.json');
  });
});

describe('Node', () => {
  it('imports every entry from ESM', () => {
    const file = join(pkg.app, 'esm-check.mjs');
    writeFileSync(
      file,
      `import * as root from 'edgehall';
import * as verify from 'edgehall/verify';
import * as client from 'edgehall/client';
import manifest from 'edgehall/package.json' with { type: 'json' };
console.log(JSON.stringify({
  root: Object.keys(root).length,
  verify: Object.keys(verify),
  client: Object.keys(client),
  verifyFromRoot: root.verifyReceipt === verify.verifyReceipt,
  version: manifest.version,
  sha: root.sha256Hex(new TextEncoder().encode('abc')),
  same: root.HallClient === client.HallClient,
}));
`,
    );
    const r = node(file, pkg.app);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.sha).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(out.root).toBeGreaterThan(10);
    expect(out.version).toBe(readJson<{ version: string }>(join(repoRoot, 'package.json')).version);
    expect(out.client).toContain('HallClient');
    expect(out.client).toContain('RegistryClient');
    expect(out.same).toBe(true);
    for (const name of ['verifyReceipt', 'verifyChain', 'verifyManifest', 'hashReceipt']) expect(out.verify).toContain(name);
    expect(out.verify.filter((n: string) => /Schema$|^Hall|^Registry|^TarReader$/.test(n))).toEqual([]);
    expect(out.verifyFromRoot).toBe(true);
  });

  it('requires every entry from CommonJS, sharing one class identity across entries', () => {
    const file = join(pkg.app, 'cjs-check.cjs');
    writeFileSync(
      file,
      `const root = require('edgehall');
const verify = require('edgehall/verify');
const client = require('edgehall/client');
console.log(JSON.stringify({
  sha: root.sha256Hex(new TextEncoder().encode('abc')),
  verify: Object.keys(verify),
  same: root.HallClient === client.HallClient && root.RegistryClient === client.RegistryClient && root.PyhallRegistryClient === client.RegistryClient,
  error: new client.HallApiError({ status: 403, code: 'AUTH_FORBIDDEN', detail: 'x' }) instanceof root.EdgehallError,
}));
`,
    );
    const r = node(file, pkg.app);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.sha).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (const name of ['verifyReceipt', 'verifyChain', 'verifyManifest']) expect(out.verify).toContain(name);
    expect(out.same).toBe(true);
    expect(out.error).toBe(true);
  });

  it('runs the installed CLI from the built dist/cli', () => {
    const r = spawnSync(join(pkg.app, 'node_modules', '.bin', 'edgehall'), ['--help'], { cwd: pkg.app, env: cleanEnv(), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/usage: edgehall <command>/);
    expect(r.stdout).toMatch(/conformance/);
  });

  it('the installed CLI prints its version and searches the taxonomy shipped inside the package', () => {
    const bin = join(pkg.app, 'node_modules', '.bin', 'edgehall');
    const v = spawnSync(bin, ['--version'], { cwd: pkg.app, env: cleanEnv(), encoding: 'utf8' });
    expect([v.status, v.stdout]).toEqual([0, `${readJson<{ version: string }>(join(repoRoot, 'package.json')).version}\n`]);
    const s = spawnSync(bin, ['search', 'summarize', '--json'], { cwd: pkg.app, env: cleanEnv(), encoding: 'utf8' });
    expect(s.status, s.stderr).toBe(0);
    expect((JSON.parse(s.stdout) as { id: string }[]).map((e) => e.id)).toEqual(['cap.mem.summarize', 'wrk.mem.summarizer']);
    const x = spawnSync(bin, ['explain', 'cap.mem.summarize', '--json'], { cwd: pkg.app, env: cleanEnv(), encoding: 'utf8' });
    expect(x.status, x.stderr).toBe(0);
    expect(JSON.parse(x.stdout)).toMatchObject({ id: 'cap.mem.summarize', type: 'capability' });
  });
});

describe('bundlers', () => {
  for (const target of ['browser', 'workerd'] as const) {
    for (const entry of ['edgehall', 'edgehall/verify', 'edgehall/client']) {
      it(`bundles ${entry} for ${target} with no Node built-ins`, async () => {
        const size = await measureEntry(entry, pkg.app, target);
        expect(size.nodeImports).toEqual([]);
        expect(size.min).toBeGreaterThan(0);
        // The 160 KB taxonomy catalog is CLI data (and importable on its own), never in an entry's bundle.
        expect(size.inputs.map((i) => i.file).filter((f) => /taxonomy\/catalog/.test(f))).toEqual([]);
      });
    }
  }

  it('runs the workerd bundle of edgehall and edgehall/verify inside workerd', async () => {
    const entry = join(pkg.app, 'worker-check.mjs');
    writeFileSync(
      entry,
      `import { Hall } from 'edgehall';
import { verifyChain } from 'edgehall/verify';
const hall = new Hall({
  rules: { rules: [{ rule_id: 'rr_sum', match: { capability_id: 'cap.doc.summarize' }, decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.doc.summarizer', score_hint: 1 }] } }] },
  workers: [{ worker_id: 'org.demo.s', worker_species_id: 'wrk.doc.summarizer', capabilities: ['cap.doc.summarize'], currently_implements: [] }],
});
export default {
  async fetch() {
    const d = await hall.route({ capability_id: 'cap.doc.summarize', env: 'dev', data_label: 'INTERNAL', tenant_risk: 'low', qos_class: 'P2', tenant_id: 't', correlation_id: 'c' });
    const chain = await verifyChain([{ seq: 1 }], { keys: [] });
    return Response.json({ denied: d.denied, worker: d.selected_worker_species_id, chain: chain.code });
  },
};
`,
    );
    const out = join(pkg.app, 'worker-check.js');
    await build({ entryPoints: [entry], outfile: out, bundle: true, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'browser'], mainFields: ['module', 'main'], logLevel: 'silent' });
    const mf = new Miniflare({ modules: true, modulesRoot: pkg.app, scriptPath: out, compatibilityDate: '2026-04-20', cf: false });
    try {
      const res = await mf.dispatchFetch('http://check/');
      expect(await res.json()).toEqual({ denied: false, worker: 'wrk.doc.summarizer', chain: 'RECEIPT_SCHEMA_INVALID' });
    } finally {
      await mf.dispose();
    }
  });

  it(`keeps edgehall/verify within ${VERIFY_BUDGET_GZIP / 1024} KB gzip (minified, browser)`, async () => {
    const size = await measureEntry('edgehall/verify', pkg.app, 'browser');
    const top = size.inputs.slice(0, 8).map((i) => `  ${String(i.bytes).padStart(6)} B  ${i.file}`).join('\n');
    console.log(`edgehall/verify browser bundle: ${size.raw} B raw, ${size.min} B min, ${size.gzip} B gzip (budget ${VERIFY_BUDGET_GZIP} B)`);
    expect(size.gzip, `edgehall/verify is ${size.gzip} B gzip, over the ${VERIFY_BUDGET_GZIP} B budget. Largest inputs (minified):\n${top}`).toBeLessThanOrEqual(VERIFY_BUDGET_GZIP);
    // Verification must not drag in the wire schemas, the tar reader or the router.
    expect(size.inputs.map((i) => i.file).filter((f) => /^zod\/|\/tar\/|\/routing\/|\/client\//.test(f))).toEqual([]);
  });
});

describe('linters', () => {
  it('publint finds nothing to report on the installed package', async () => {
    const { messages, pkg: manifest } = await publint({ pkgDir: pkg.installed, pack: false, strict: true });
    const text = messages.map((m) => `${m.type}: ${formatMessage(m, manifest)}`);
    expect(text).toEqual([]);
  });

  it('@arethetypeswrong/cli reports no problems for any entry under any resolution', () => {
    const attw = join(repoRoot, 'node_modules', '.bin', 'attw');
    const r = spawnSync(attw, [pkg.tarball, '--format', 'json'], { env: cleanEnv(), encoding: 'utf8' });
    const report = JSON.parse(r.stdout) as { analysis: { entrypoints: Record<string, unknown> }; problems: Record<string, unknown[]> };
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(['.', './client', './package.json', './verify']);
    expect(report.problems).toEqual({});
    expect(r.status).toBe(0);
  });
});
