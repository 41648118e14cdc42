// `edgehall lint <rules.json> [--reference] [--json]`: the lintRules report of a rules document,
// with capability ids checked against the shipped WCP taxonomy. Exit 1 on errors, 0 otherwise
// (warnings allowed), 2 on a usage error or an unreadable file.
import { readFileSync } from 'node:fs';
import { lintRules, type LintIssue } from '../../src/routing/lint.js';
import { wcpTaxonomy } from '../../src/taxonomy/catalog.js';
import { parseCliOptions, printedHelp } from '../options.js';

export const summary = 'check a rules document: lint <rules.json> [--json]';

const USAGE = `usage: edgehall lint <rules.json | -> [--reference] [--json]

Reports everything wrong or suspicious in a rules document, one line per issue:
  <severity> <code> <path>: <message>
Errors are what the Hall refuses (schema problems, rules that never match, shadowed rules);
warnings are suspicious but allowed (unreachable rules, catch-alls, capability ids not in the
WCP taxonomy: 'unknown_capability', with close ids). org.* and x.* ids are tenant ids.
  --reference  the document is meant for pyhall's lenient reading (strict-loader problems warn)
  --json       one JSON object: {"file":...,"ok":...,"issues":[{severity,code,path,message}]}
Exit 0 no errors (warnings allowed), 1 errors found, 2 usage error or unreadable file.`;

export const formatIssue = (i: LintIssue) => `${i.severity} ${i.code} ${i.path.join('.') || '(root)'}: ${i.message}`;

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const p = parseCliOptions(argv, { json: 'boolean', reference: 'boolean' });
  if (typeof p === 'string' || p.positional.length !== 1) {
    process.stderr.write(`edgehall lint: ${typeof p === 'string' ? p : 'give exactly one rules file'}\n${USAGE}\n`);
    return 2;
  }
  const file = p.positional[0]!;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (e) {
    const what = e instanceof SyntaxError ? `is not valid JSON: ${e.message}` : `cannot be read (${(e as NodeJS.ErrnoException).code ?? e})`;
    process.stderr.write(`edgehall lint: ${file} ${what}. Check the path and the file.\n`);
    return 2;
  }
  const report = lintRules(doc, { taxonomy: wcpTaxonomy(), ...(p.values.reference ? { mode: 'reference' as const } : {}) });
  if (p.values.json) process.stdout.write(JSON.stringify({ file, ok: report.ok, issues: report.issues }) + '\n');
  else {
    for (const i of report.issues) process.stdout.write(formatIssue(i) + '\n');
    const errors = report.issues.filter((i) => i.severity === 'error').length;
    const warnings = report.issues.length - errors;
    process.stdout.write(`${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  }
  return report.ok ? 0 : 1;
}
