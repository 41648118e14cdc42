// The local CLI commands (no Hall): scaffold, lint, test, route over the kv-seed layout, help.
// Each runs `edgehall` in-process with its output captured, on real files in a temp directory.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandNames, SUMMARIES } from '../../cli/main.js';
import { cli } from '../cli/helpers.js';
import { enrollmentArtifactHash } from '../../src/routing/enrollment-hash.js';
import { Hall } from '../../src/routing/hall.js';
import { lintRules } from '../../src/routing/lint.js';
import { RegistryRecordSchema } from '../../src/routing/schemas.js';
import { wcpTaxonomy } from '../../src/taxonomy/catalog.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const seed = (p: string) => join(ROOT, 'kv-seed', p);
const tmp = () => mkdtempSync(join(tmpdir(), 'edgehall-cli-local-'));
const writeJson = (dir: string, name: string, v: unknown) => {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify(v));
  return f;
};
const SCAFFOLD = ['--worker-id', 'org.acme.summarizer', '--species', 'wrk.mem.summarizer', '--capability', 'cap.mem.summarize'];

// Prompts happen only on a terminal: pin stdin to "not a terminal" whatever runs the tests.
let savedTTY: PropertyDescriptor | undefined;
beforeEach(() => {
  savedTTY = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
  Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
});
afterEach(() => {
  if (savedTTY) Object.defineProperty(process.stdin, 'isTTY', savedTTY);
  else delete (process.stdin as { isTTY?: boolean }).isTTY;
});

describe('edgehall scaffold', () => {
  it('writes a package whose registry record is strict-valid, hash-correct and enrolls in a Hall', async () => {
    const dir = join(tmp(), 'pkg');
    const r = await cli(['scaffold', dir, ...SCAFFOLD, '--capability', 'cap.doc.summarise', '--json']);
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.files_written.sort()).toEqual(['README.md', 'registry_record.json', 'worker.py']);
    const record = JSON.parse(readFileSync(join(dir, 'registry_record.json'), 'utf8'));
    expect(RegistryRecordSchema.strict().safeParse(record).success).toBe(true);
    expect(record.artifact_hash).toBe(enrollmentArtifactHash(record));
    // Suggested from the catalog: cap.mem.summarize is low risk with a typical control.
    const cap = wcpTaxonomy().entities.find((e) => e.id === 'cap.mem.summarize')!;
    expect(record.risk_tier).toBe('low');
    expect(record.required_controls).toEqual(expect.arrayContaining((cap as { typical_controls: string[] }).typical_controls));
    expect(record.currently_implements).toEqual([]);
    expect(record.blast_radius).toMatchObject({ reversibility: 'reversible' });
    // An id the catalog does not hold is a warning naming close ids, and is kept.
    expect(record.capabilities).toEqual(['cap.mem.summarize', 'cap.doc.summarise']);
    expect(out.warnings.join('\n')).toMatch(/cap\.doc\.summarise' is not in the WCP taxonomy/);
    // The record loads into a Hall as a worker.
    expect(() => new Hall({ rules: { rules: [] }, workers: [record] })).not.toThrow();
    expect(readFileSync(join(dir, 'worker.py'), 'utf8')).toContain('def handle(request)');
  });

  it('refuses to overwrite registry_record.json without --force, and never overwrites worker.py', async () => {
    const dir = tmp();
    expect((await cli(['scaffold', dir, ...SCAFFOLD])).code).toBe(0);
    const first = readFileSync(join(dir, 'registry_record.json'), 'utf8');
    writeFileSync(join(dir, 'worker.py'), '# my code\n');
    const again = await cli(['scaffold', dir, ...SCAFFOLD, '--risk-tier', 'high']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already exists; pass --force/);
    expect(readFileSync(join(dir, 'registry_record.json'), 'utf8')).toBe(first);
    const forced = await cli(['scaffold', dir, ...SCAFFOLD, '--risk-tier', 'high', '--force']);
    expect(forced.code).toBe(0);
    const rec = JSON.parse(readFileSync(join(dir, 'registry_record.json'), 'utf8'));
    expect(rec.risk_tier).toBe('high');
    expect(rec.artifact_hash).toBe(enrollmentArtifactHash(rec));
    expect(readFileSync(join(dir, 'worker.py'), 'utf8')).toBe('# my code\n');
    expect(forced.out).toMatch(/kept existing worker\.py, README\.md/);
  });

  it('never prompts when stdin is not a terminal: exit 2 naming the missing flags', async () => {
    const r = await cli(['scaffold', tmp(), '--species', 'wrk.mem.summarizer']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/missing --worker-id, --capability \(stdin is not a terminal/);
  });

  it('refuses malformed ids and a bad risk tier (exit 2); tenant capabilities need no catalog entry', async () => {
    expect((await cli(['scaffold', tmp(), ...SCAFFOLD, '--capability', 'Cap.Bad'])).err).toMatch(/--capability 'Cap.Bad'/);
    expect((await cli(['scaffold', tmp(), ...SCAFFOLD, '--risk-tier', 'extreme'])).code).toBe(2);
    const t = await cli(['scaffold', tmp(), '--worker-id', 'org.acme.w', '--species', 'org.acme.species', '--capability', 'org.acme.do-thing', '--json']);
    expect(t.code).toBe(0);
    const out = JSON.parse(t.out);
    expect(out.warnings).toEqual([]);
    expect(out.record.risk_tier).toBe('medium');
  });
});

describe('edgehall lint', () => {
  it('kv-seed/rules.json lints clean (exit 0); ids outside the catalog are warnings, never errors', async () => {
    const r = await cli(['lint', seed('rules.json')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^warning unknown_capability rules\.10\.match\.capability_id: capability id 'cap\.doc\.summarize' is not in the WCP taxonomy \(did you mean cap\.mem\.summarize\?\)/m);
    expect(r.out).toMatch(/0 errors, \d+ warnings\n$/);
    const j = JSON.parse((await cli(['lint', seed('rules.json'), '--json'])).out);
    expect(j.ok).toBe(true);
  });

  it('a typo is an error line `severity code path: message` and exit 1; unreadable files exit 2', async () => {
    const dir = tmp();
    const rules = JSON.parse(readFileSync(seed('rules.json'), 'utf8'));
    rules.rules[0].match.env = 'prdo';
    const r = await cli(['lint', writeJson(dir, 'typo.json', rules)]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^error never_matches rules\.0\.match\.env: /m);
    expect((await cli(['lint', join(dir, 'missing.json')])).code).toBe(2);
    writeFileSync(join(dir, 'bad.json'), '{');
    expect((await cli(['lint', join(dir, 'bad.json')])).err).toMatch(/is not valid JSON/);
  });

  it('lintRules warns unknown_capability only when given a catalog, and not for catalog or tenant ids', () => {
    const doc = {
      rules: ['cap.mem.summarize', 'cap.mem.sumarize', 'org.acme.thing'].map((c, i) => ({
        rule_id: `r${i}`,
        match: { capability_id: c },
        decision: { candidate_workers_ranked: [{ worker_species_id: 'wrk.mem.summarizer' }] },
      })),
    };
    expect(lintRules(doc).issues.filter((i) => i.code === 'unknown_capability')).toEqual([]);
    const unknown = lintRules(doc, { taxonomy: wcpTaxonomy() }).issues.filter((i) => i.code === 'unknown_capability');
    expect(unknown).toEqual([
      expect.objectContaining({ severity: 'warning', path: ['rules', 1, 'match', 'capability_id'], message: expect.stringMatching(/did you mean cap\.mem\.summarize/) }),
    ]);
  });
});

describe('edgehall test (golden routing cases)', () => {
  const input = JSON.parse(readFileSync(seed('examples/route.json'), 'utf8'));
  it('passes matching cases and shows a diff of expected and actual on failure (exit 1)', async () => {
    const dir = tmp();
    const cases = writeJson(dir, 'cases.json', [
      { name: 'summarize in dev', input, expect: { allowed: true, worker: 'wrk.doc.summarizer', rule: 'rr_doc_summarize_dev_stage' } },
      { name: 'unknown capability', input: { ...input, capability_id: 'cap.nope.nope' }, expect: { denied: true, deny_code: 'DENY_NO_MATCHING_RULE', rule: 'NO_MATCH' } },
    ]);
    const ok = await cli(['test', seed('rules.json'), cases, '--workers', seed('workers')]);
    expect(ok.code, ok.out + ok.err).toBe(0);
    expect(ok.out).toBe('pass  summarize in dev\npass  unknown capability\n2 passed, 0 failed (2 cases)\n');

    const bad = writeJson(dir, 'bad.json', { cases: [{ name: 'wrong worker', input, expect: { worker: 'wrk.other', deny_code: 'DENY_X' } }] });
    const r = await cli(['test', seed('rules.json'), bad, '--workers', seed('workers')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL  wrong worker\n  denied:\n    - expected true\n    + actual   false\n  deny_code:\n    - expected "DENY_X"\n    + actual   null\n  worker:\n    - expected "wrk.other"\n    + actual   "wrk.doc.summarizer"\n');
    const j = (await cli(['test', seed('rules.json'), bad, '--workers', seed('workers'), '--json'])).out.trim().split('\n').map((l) => JSON.parse(l));
    expect(j[0]).toMatchObject({ name: 'wrong worker', pass: false, diff: expect.arrayContaining([{ field: 'worker', expected: 'wrk.other', actual: 'wrk.doc.summarizer' }]) });
    expect(j[1]).toEqual({ summary: { cases: 1, passed: 0, failed: 1 } });
  });

  it('refuses a malformed cases file with paths (exit 2); an input the Hall refuses fails its case', async () => {
    const dir = tmp();
    const typo = await cli(['test', seed('rules.json'), writeJson(dir, 'c.json', [{ name: 'x', input, expect: { alowed: true } }])]);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/0\.expect: .*alowed/);
    const empty = await cli(['test', seed('rules.json'), writeJson(dir, 'e.json', [{ name: 'x', input, expect: {} }])]);
    expect(empty.err).toMatch(/expect needs at least one of/);
    const refused = await cli(['test', seed('rules.json'), writeJson(dir, 'r.json', [{ name: 'bad env', input: { ...input, env: 'PROD' }, expect: { denied: true } }])]);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/FAIL  bad env\n  input:\n    - expected "a valid route request"\n    \+ actual   "refused \(/);
  });
});

describe('edgehall route (in-process)', () => {
  it('--workers takes the kv-seed directory; pipeline.json is one decision per step under one correlation id', async () => {
    const r = await cli(['route', '--rules', seed('rules.json'), '--workers', seed('workers'), seed('examples/pipeline.json')]);
    expect(r.code, r.err).toBe(0);
    const steps = JSON.parse(readFileSync(seed('examples/pipeline.json'), 'utf8'));
    const decisions = JSON.parse(r.out);
    expect(decisions).toHaveLength(steps.length);
    decisions.forEach((d: { capability_id: string; denied: boolean; correlation_id: string }, i: number) => {
      expect(d.capability_id).toBe(steps[i].capability_id);
      expect(d.denied).toBe(false);
      expect(d.correlation_id).toBe(steps[0].correlation_id);
    });
    const lines = (await cli(['route', '--rules', seed('rules.json'), '--workers', seed('workers'), '--json', seed('examples/pipeline.json')])).out.trim().split('\n');
    expect(lines).toHaveLength(steps.length);
  });

  it('steps without a correlation id share one; the unconfigured policy gate hint names --policy', async () => {
    const dir = tmp();
    const steps = JSON.parse(readFileSync(seed('examples/pipeline.json'), 'utf8')).map(({ correlation_id: _c, ...s }: Record<string, unknown>) => s);
    const r = await cli(['route', '--rules', seed('rules.json'), '--workers', seed('workers'), '--json', writeJson(dir, 'p.json', steps)]);
    const ids = new Set(r.out.trim().split('\n').map((l) => JSON.parse(l).correlation_id));
    expect(ids.size).toBe(1);
    const prod = await cli(['route', '--rules', seed('rules.json'), '--workers', seed('workers'), seed('examples/route-prod.json')]);
    expect(prod.code).toBe(1);
    expect(prod.err).toMatch(/DENY_POLICY_GATE_UNCONFIGURED: .*--policy FILE/);
    const withPolicy = await cli(['route', '--rules', seed('rules.json'), '--workers', seed('workers'), '--policy', seed('policy.json'), seed('examples/route-prod.json')]);
    expect(withPolicy.code).toBe(0);
    expect(withPolicy.err).toBe('');
  });
});

describe('edgehall help', () => {
  it('help <command> prints that command\'s --help; an unknown command exits 2', async () => {
    const h = await cli(['help', 'lint']);
    expect(h.code).toBe(0);
    expect(h.out).toBe((await cli(['lint', '--help'])).out);
    expect((await cli(['help', 'nope'])).code).toBe(2);
    const all = await cli(['--help']);
    expect(all.out).toContain('edgehall help <command>');
  });

  it('the static --help summaries equal each command module\'s own summary', async () => {
    for (const name of commandNames()) {
      const mod = (await import(`../../cli/commands/${name}.ts`)) as { summary: string };
      expect(SUMMARIES[name], name).toBe(mod.summary);
    }
  });
});
