// The conformance and route commands, run in-process (stdout captured).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureOutput } from '../support/capture.js';
import * as conformance from '../../cli/commands/conformance.js';
import * as route from '../../cli/commands/route.js';
import { cases, diff, isTagged } from './helpers.js';
import { input, rules, workers } from './fixtures.js';


const casesFile = fileURLToPath(new URL('./vectors/cases.json', import.meta.url));

describe('edgehall conformance routing', () => {
  it('prints one JSON line per case in the DESIGN.md shape', async () => {
    const r = await captureOutput(() => conformance.run(['routing', casesFile]));
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(cases.length);
    lines.forEach((line, i) => {
      const c = cases[i]!;
      expect(line.id).toBe(c.id);
      if (c.expected.invalid_input) expect(line).toMatchObject({ invalid_input: true, error: expect.any(String) });
      else if (!(isTagged(c) && line.invalid_input)) expect(Object.keys(line).sort()).toEqual(['decision', 'id']);
      if (!isTagged(c) && !c.expected.invalid_input) expect(diff(line.decision, c.expected)).toEqual([]);
    });
  });

  it('reports unusable arguments with exit 2', async () => {
    expect((await captureOutput(() => conformance.run(['nope', casesFile]))).code).toBe(2);
    expect((await captureOutput(() => conformance.run(['routing', '/nonexistent.json']))).code).toBe(2);
  });
});

describe('edgehall route', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgehall-route-'));
  const f = (name: string, v: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(v));
    return p;
  };
  const rulesFile = f('rules.json', rules);
  const workersFile = f('workers.json', workers);

  it('exit 0 and the decision JSON when allowed', async () => {
    const r = await captureOutput(() => route.run(['--rules', rulesFile, '--workers', workersFile, f('in.json', input)]));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ denied: false, selected_worker_species_id: 'wrk.hello.greeter' });
  });

  it('exit 1 when denied', async () => {
    const cfg = f('cfg.json', { require_signatory: true, allowed_tenants: ['someone-else'] });
    const r = await captureOutput(() => route.run(['--rules', rulesFile, '--workers', workersFile, '--config', cfg, f('in2.json', input)]));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).deny_reason_if_denied.code).toBe('DENY_UNKNOWN_TENANT');
  });

  it('exit 2 with every problem listed for invalid input or rules', async () => {
    const r = await captureOutput(() => route.run(['--rules', rulesFile, '--workers', workersFile, f('bad.json', { ...input, env: 'PROD', dry_run: 'yes' })]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/- env: /);
    expect(r.err).toMatch(/- dry_run: /);
    const badRules = f('badrules.json', { rules: [{ rule_id: 'x', match: { env: { in: 'dev' } } }] });
    const r2 = await captureOutput(() => route.run(['--rules', badRules, '--workers', workersFile, f('in3.json', input)]));
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/RULES_INVALID.*\n\s+- rules\.0\.match\.env/);
    expect((await captureOutput(() => route.run(['--rules', rulesFile]))).code).toBe(2);
  });
});
