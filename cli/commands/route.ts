// `edgehall route --rules FILE --workers FILE [--config FILE] [--policy FILE] <input.json | ->`
// Prints the decision JSON. Exit 0 allowed, 1 denied, 2 invalid input / unusable files.
import { readFileSync } from 'node:fs';
import { EdgehallError, ValidationError } from '../../src/util/errors.js';
import { Hall } from '../../src/routing/hall.js';
import type { HallConfigLike, PolicyDocumentLike } from '../../src/routing/schemas.js';
import { HALL_USAGE, runHall, wantsHallMode } from './route-hall.js';

export const summary = 'decide one request: in-process (--rules F --workers F …) or against a Hall (--hall URL)';

const USAGE =
  'usage: edgehall route --rules FILE --workers FILE [--config FILE] [--policy FILE] <input.json | ->\n' +
  '  exit 0 allowed, 1 denied, 2 invalid input or files';

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new EdgehallError('FILE_UNREADABLE', `cannot read ${what} file ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new EdgehallError('FILE_NOT_JSON', `${what} file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

export async function run(argv: string[]): Promise<number> {
  // Hall mode (cli/commands/route-hall.ts): --hall, or EDGEHALL_URL without --rules/--workers.
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n\n${HALL_USAGE}\n`);
    return 0;
  }
  if (wantsHallMode(argv)) return runHall(argv);
  const opts: Record<string, string> = {};
  const positional: string[] = [];
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
    } else if (a.startsWith('--')) {
      process.stderr.write(`edgehall route: unknown option ${a}\n${USAGE}\n`);
      return 2;
    } else positional.push(a);
  }
  if (!opts.rules || !opts.workers || positional.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const workersDoc = readJson(opts.workers, 'workers');
    const workers = Array.isArray(workersDoc)
      ? workersDoc
      : (workersDoc as { workers?: unknown })?.workers;
    if (!Array.isArray(workers)) throw new EdgehallError('WORKERS_INVALID', 'the workers file must hold a JSON array of registry records (or {"workers": [...]})');
    const hall = new Hall({
      rules: readJson(opts.rules, 'rules'),
      workers,
      // Unchecked JSON: the Hall validates both documents strictly and throws a ValidationError.
      ...(opts.config ? { config: readJson(opts.config, 'config') as HallConfigLike } : {}),
      ...(opts.policy ? { policy: readJson(opts.policy, 'policy') as PolicyDocumentLike } : {}),
    });
    const decision = hall.routeSync(readJson(positional[0]!, 'input'));
    process.stdout.write(JSON.stringify(decision, null, 2) + '\n');
    return decision.denied ? 1 : 0;
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
