// `edgehall conformance routing <cases.json|->`: runs every case of a routing conformance file
// through the engine and prints one JSON line per case (DESIGN.md contract):
//   {"id": ..., "decision": {...}} | {"id": ..., "invalid_input": true, "error": "..."} | {"id": ..., "error": "..."}
import { readFileSync } from 'node:fs';
import { runRoutingCase } from '../../src/routing/conformance.js';

export const summary = 'run conformance vectors: conformance routing <cases.json|->';

const USAGE = 'usage: edgehall conformance routing <cases.json | ->';

export async function run(argv: string[]): Promise<number> {
  const [suite, file, ...rest] = argv;
  if (suite === '--help' || suite === '-h') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (suite !== 'routing' || !file || rest.length) {
    process.stderr.write(`edgehall conformance: ${suite && suite !== 'routing' ? `unknown suite '${suite}'. ` : ''}${USAGE}\n`);
    return 2;
  }
  let cases: unknown;
  try {
    const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
    cases = JSON.parse(text);
  } catch (e) {
    process.stderr.write(`edgehall conformance: cannot read ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  if (!Array.isArray(cases)) {
    process.stderr.write('edgehall conformance: the cases file must hold a JSON array of cases\n');
    return 2;
  }
  const lines: string[] = [];
  for (const c of cases) {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      lines.push(JSON.stringify({ id: null, error: 'case must be a JSON object' }));
      continue;
    }
    lines.push(JSON.stringify(runRoutingCase(c as Record<string, unknown>).line));
  }
  process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
  return 0;
}
