// `edgehall test <rules.json> <cases.json> [--workers FILE|DIR] [--policy FILE] [--config FILE] [--json]`:
// golden routing tests for a rule set. Each case's input is routed by an in-process Hall over the
// given files and compared with what the case expects. Exit 0 all pass, 1 any fails, 2 usage or files.
import { z } from 'zod';
import type { Hall } from '../../src/routing/hall.js';
import type { RouteDecision } from '../../src/routing/schemas.js';
import { EdgehallError, ValidationError } from '../../src/util/errors.js';
import { localHall, readJson } from '../local-files.js';
import { parseCliOptions, printedHelp, str } from '../options.js';

export const summary = 'golden routing tests: test <rules.json> <cases.json> [--workers F|DIR] [--policy F] [--config F]';

const USAGE = `usage: edgehall test <rules.json> <cases.json> [--workers FILE|DIR] [--policy FILE] [--config FILE] [--json]

Routes each case's input through an in-process Hall built from the rules (and the workers,
policy and config files) and checks the decision against the case. cases.json is an array of
cases (or {"cases": [...]}); unknown keys are refused:
  {"name": "summarize in dev",                      a unique name
   "input": {...a route request...},
   "expect": {"allowed": true,                      or "denied": true|false
              "deny_code": "DENY_NO_MATCHING_RULE",  implies denied
              "worker": "wrk.doc.summarizer",        selected species (null: none)
              "rule": "rr_doc_summarize_dev_stage"}} matched_rule_id
"expect" needs at least one field; only the fields given are compared. An input the Hall refuses
fails its case. --workers takes a file (one record, an array, or {"workers": [...]}) or a
directory of *.json records (the kv-seed/workers layout).
  --json   one JSON line per case {"name","pass","diff":[{field,expected,actual}]} and a summary line
Exit 0 every case passed, 1 any case failed, 2 usage error or unusable files.`;

const ExpectSchema = z
  .strictObject({
    allowed: z.boolean().optional(),
    denied: z.boolean().optional(),
    deny_code: z.string().min(1).optional(),
    worker: z.string().min(1).nullable().optional(),
    rule: z.string().min(1).optional(),
  })
  .refine((e) => Object.keys(e).length > 0, { message: 'expect needs at least one of allowed, denied, deny_code, worker, rule' })
  .refine((e) => e.allowed === undefined || e.denied === undefined || e.allowed !== e.denied, { message: 'allowed and denied contradict each other' })
  .refine((e) => e.deny_code === undefined || (e.allowed !== true && e.denied !== false), { message: 'deny_code implies a denied decision' });

const CaseSchema = z.strictObject({ name: z.string().min(1).max(200), input: z.unknown(), expect: ExpectSchema });
export const GoldenCasesSchema = z
  .union([z.array(CaseSchema).max(10_000), z.strictObject({ cases: z.array(CaseSchema).max(10_000) })])
  .transform((d) => (Array.isArray(d) ? d : d.cases))
  .superRefine((cases, ctx) => {
    const seen = new Set<string>();
    cases.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate case name '${c.name}'` });
      seen.add(c.name);
    });
  });
export type GoldenCase = z.infer<typeof CaseSchema>;

export interface CaseDiff {
  field: 'denied' | 'deny_code' | 'worker' | 'rule' | 'input';
  expected: unknown;
  actual: unknown;
}

/** Compares one decision with a case's expectations (only the fields the case names). */
export function diffCase(c: GoldenCase, hall: Hall): CaseDiff[] {
  let d: RouteDecision;
  try {
    d = hall.routeSync(c.input);
  } catch (e) {
    if (!(e instanceof ValidationError || e instanceof EdgehallError)) throw e;
    const issues = (e.details?.issues as { path: unknown[]; message: string }[] | undefined) ?? [];
    const why = issues.length ? issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') : e.message;
    return [{ field: 'input', expected: 'a valid route request', actual: `refused (${e.code}: ${why})` }];
  }
  const out: CaseDiff[] = [];
  const x = c.expect;
  const wantDenied = x.denied ?? (x.allowed !== undefined ? !x.allowed : x.deny_code !== undefined ? true : undefined);
  if (wantDenied !== undefined && wantDenied !== d.denied) out.push({ field: 'denied', expected: wantDenied, actual: d.denied });
  const code = d.deny_reason_if_denied?.code ?? null;
  if (x.deny_code !== undefined && x.deny_code !== code) out.push({ field: 'deny_code', expected: x.deny_code, actual: code });
  if (x.worker !== undefined && x.worker !== d.selected_worker_species_id) out.push({ field: 'worker', expected: x.worker, actual: d.selected_worker_species_id });
  if (x.rule !== undefined && x.rule !== d.matched_rule_id) out.push({ field: 'rule', expected: x.rule, actual: d.matched_rule_id });
  return out;
}

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const p = parseCliOptions(argv, { workers: 'string', policy: 'string', config: 'string', json: 'boolean' });
  if (typeof p === 'string' || p.positional.length !== 2) {
    process.stderr.write(`edgehall test: ${typeof p === 'string' ? p : 'give a rules file and a cases file'}\n${USAGE}\n`);
    return 2;
  }
  const [rulesFile, casesFile] = p.positional as [string, string];
  let hall: Hall;
  let cases: GoldenCase[];
  try {
    const workers = str(p, 'workers');
    const policy = str(p, 'policy');
    const config = str(p, 'config');
    hall = localHall({ rules: rulesFile, ...(workers ? { workers } : {}), ...(policy ? { policy } : {}), ...(config ? { config } : {}) });
    const parsed = GoldenCasesSchema.safeParse(readJson(casesFile, 'cases'));
    if (!parsed.success) {
      process.stderr.write(`edgehall test: ${casesFile} is not a valid cases file:\n`);
      for (const i of parsed.error.issues) process.stderr.write(`  - ${i.path.join('.') || '(root)'}: ${i.message}\n`);
      process.stderr.write(`Run 'edgehall test --help' for the format.\n`);
      return 2;
    }
    cases = parsed.data;
  } catch (e) {
    if (e instanceof ValidationError || e instanceof EdgehallError) {
      process.stderr.write(`edgehall test: ${e.code}: ${e.message}\n`);
      for (const i of (e.details?.issues as { path: unknown[]; message: string }[] | undefined) ?? []) process.stderr.write(`  - ${i.path.join('.') || '(root)'}: ${i.message}\n`);
      return 2;
    }
    throw e;
  }
  let failed = 0;
  for (const c of cases) {
    const diff = diffCase(c, hall);
    if (diff.length) failed++;
    if (p.values.json) process.stdout.write(JSON.stringify({ name: c.name, pass: diff.length === 0, diff }) + '\n');
    else {
      process.stdout.write(`${diff.length ? 'FAIL' : 'pass'}  ${c.name}\n`);
      for (const d of diff) process.stdout.write(`  ${d.field}:\n    - expected ${JSON.stringify(d.expected)}\n    + actual   ${JSON.stringify(d.actual)}\n`);
    }
  }
  const passed = cases.length - failed;
  if (p.values.json) process.stdout.write(JSON.stringify({ summary: { cases: cases.length, passed, failed } }) + '\n');
  else process.stdout.write(`${passed} passed, ${failed} failed (${cases.length} case${cases.length === 1 ? '' : 's'})\n`);
  return failed ? 1 : 0;
}
