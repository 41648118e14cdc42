// `edgehall route --rules FILE --workers FILE [--config FILE] [--policy FILE] <input.json | ->`
// Prints the decision JSON. Exit 0 allowed, 1 denied, 2 invalid input / unusable files.
import { randomUUID } from 'node:crypto';
import { EdgehallError, ValidationError } from '../../src/util/errors.js';
import type { RouteDecision } from '../../src/routing/schemas.js';
import { localHall, readJson } from '../local-files.js';
import { HALL_USAGE, runHall, wantsHallMode } from './route-hall.js';

export const summary = 'decide one request: in-process (--rules F --workers F …) or against a Hall (--hall URL)';

const USAGE =
  'usage: edgehall route --rules FILE --workers FILE|DIR [--config FILE] [--policy FILE] [--json] <input.json | ->\n' +
  '  decides in-process. --workers takes a file (one record, an array or {"workers": [...]}) or a\n' +
  '  directory of *.json registry records (kv-seed/workers). An input holding an array of requests\n' +
  '  (kv-seed/examples/pipeline.json) is one decision per step, all under one correlation id (a step without\n' +
  '  one gets the first given, else a fresh UUID): a JSON array, or one line per step with --json.\n' +
  '  exit 0 allowed (every step), 1 denied (any step), 2 invalid input or files';

/** The CLI's hint for a deny whose message (pyhall's, vector-pinned) names a Python API. */
const DENY_HINTS: Record<string, string> = {
  DENY_POLICY_GATE_UNCONFIGURED: 'the matched rule asks for the policy gate: pass a policy document with --policy FILE (e.g. kv-seed/policy.json)',
};

export async function run(argv: string[]): Promise<number> {
  // Hall mode (cli/commands/route-hall.ts): --hall, or EDGEHALL_URL without --rules/--workers.
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n\n${HALL_USAGE}\n`);
    return 0;
  }
  if (wantsHallMode(argv)) return runHall(argv);
  const opts: Record<string, string> = {};
  const positional: string[] = [];
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (a === '--rules' || a === '--workers' || a === '--config' || a === '--policy') {
      const v = argv[++i];
      if (v === undefined) {
        process.stderr.write(`edgehall route: ${a} needs a file\n${USAGE}\n`);
        return 2;
      }
      opts[a.slice(2)] = v;
    } else if (a === '--json') json = true;
    else if (a.startsWith('--')) {
      process.stderr.write(`edgehall route: unknown option ${a}\n${USAGE}\n`);
      return 2;
    } else positional.push(a);
  }
  if (!opts.rules || !opts.workers || positional.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const hall = localHall({
      rules: opts.rules,
      workers: opts.workers,
      ...(opts.config ? { config: opts.config } : {}),
      ...(opts.policy ? { policy: opts.policy } : {}),
    });
    const input = readJson(positional[0]!, 'input');
    const steps = Array.isArray(input) ? pipelineSteps(input) : [input];
    const decisions: RouteDecision[] = [];
    for (const [i, step] of steps.entries()) {
      try {
        decisions.push(hall.routeSync(step));
      } catch (e) {
        if (Array.isArray(input) && (e instanceof ValidationError || e instanceof EdgehallError)) e.message = `step ${i}: ${e.message}`;
        throw e;
      }
    }
    if (json) for (const d of decisions) process.stdout.write(JSON.stringify(d) + '\n');
    else process.stdout.write(JSON.stringify(Array.isArray(input) ? decisions : decisions[0], null, 2) + '\n');
    for (const [i, d] of decisions.entries()) {
      const hint = d.denied ? DENY_HINTS[d.deny_reason_if_denied?.code ?? ''] : undefined;
      if (hint) process.stderr.write(`edgehall route: ${Array.isArray(input) ? `step ${i}: ` : ''}${d.deny_reason_if_denied!.code}: ${hint}\n`);
    }
    return decisions.some((d) => d.denied) ? 1 : 0;
  } catch (e) {
    if (e instanceof ValidationError || e instanceof EdgehallError) {
      const issues = (e.details?.issues as { path: unknown[]; message: string }[] | undefined) ?? [];
      process.stderr.write(`edgehall route: ${e.code}: ${e.message}\n`);
      for (const i of issues) process.stderr.write(`  - ${i.path.join('.') || '(root)'}: ${i.message}\n`);
      return 2;
    }
    throw e;
  }
}

/** The steps of a pipeline input, every one under the pipeline's correlation id. */
function pipelineSteps(steps: unknown[]): unknown[] {
  if (steps.length === 0) throw new EdgehallError('INPUT_INVALID', 'the input array holds no steps; give one route request per step');
  if (steps.length > 1000) throw new EdgehallError('INPUT_INVALID', `the input array holds ${steps.length} steps; at most 1000 are allowed`);
  const given = steps.find((s): s is { correlation_id: string } => typeof (s as { correlation_id?: unknown } | null)?.correlation_id === 'string');
  const correlationId = given?.correlation_id ?? randomUUID();
  return steps.map((s) => (s && typeof s === 'object' && !Array.isArray(s) && !('correlation_id' in s) ? { ...s, correlation_id: correlationId } : s));
}
