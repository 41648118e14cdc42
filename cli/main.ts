// The `edgehall` command. Node-side only: it may use node: APIs; src/ may not.
// Each subcommand lives in cli/commands/<name>.ts and exports `run(argv): Promise<number>`
// (the process exit code).

import { version } from '../package.json';

type Command = { run(argv: string[]): Promise<number>; summary: string };

const commands: Record<string, () => Promise<Command>> = {
  conformance: () => import('./commands/conformance.js'),
  route: () => import('./commands/route.js'),
  hash: () => import('./commands/hash.js'),
  verify: () => import('./commands/verify.js'),
  sign: () => import('./commands/sign.js'),
  keygen: () => import('./commands/keygen.js'),
  search: () => import('./commands/search.js'),
  explain: () => import('./commands/explain.js'),
  enroll: () => import('./commands/enroll.js'),
  status: () => import('./commands/status.js'),
  approvals: () => import('./commands/approvals.js'),
  lint: () => import('./commands/lint.js'),
  scaffold: () => import('./commands/scaffold.js'),
  test: () => import('./commands/test.js'),
  decisions: () => import('./commands/decisions.js'),
  receipts: () => import('./commands/receipts.js'),
  mcp: () => import('./commands/mcp.js'),
};

/**
 * One-line summaries for `edgehall --help`, kept here so the list prints without loading every
 * command module (start-up time). test/routing/cli-local.test.ts checks each equals the module's
 * `summary`; a command missing here is loaded for its summary.
 */
export const SUMMARIES: Readonly<Record<string, string>> = {
  conformance: 'run conformance vectors: conformance routing <cases.json|->',
  route: 'decide one request: in-process (--rules F --workers F …) or against a Hall (--hall URL)',
  hash: 'canonical package hash of .tar/.tgz archives and directories (pyhall-compatible)',
  verify: 'verify an archive against its awp.v1 manifest (HMAC or Ed25519 namespace key)',
  sign: 'build and sign an awp.v1 manifest for a directory or archive (HMAC or Ed25519)',
  keygen: 'generate an Ed25519 namespace key pair (private and public JWK)',
  search: 'search the WCP taxonomy: search <words...> [--limit N] [--json]',
  explain: 'show one WCP taxonomy entity: explain <id> [--json]',
  enroll: 'enroll a worker registry record in a Hall (artifact_hash computed, optional namespace-key signature)',
  status: 'health, rules version, workers and pending approvals of a Hall',
  approvals: 'list, show and resolve (approve | deny | escalate) human approvals',
  lint: 'check a rules document: lint <rules.json> [--json]',
  scaffold: 'write a worker package with a valid registry_record.json: scaffold <dir> --worker-id ID --species ID --capability CAP',
  test: 'golden routing tests: test <rules.json> <cases.json> [--workers F|DIR] [--policy F] [--config F]',
  decisions: 'the decision log: decisions list|show|follow [filters] [--json]',
  receipts: 'receipt chains: receipts export --tenant T [--out FILE] | receipts verify (--tenant T [--checkpoint FILE] [--save-checkpoint FILE] | FILE.jsonl)',
  mcp: "stdio bridge to the Hall's MCP gateway (POST /mcp), for MCP clients that only launch local servers",
};

async function usage(): Promise<string> {
  const lines = ['usage: edgehall <command> [options]', '       edgehall help <command>', '       edgehall --version', '', 'commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const summary = SUMMARIES[name] ?? (await load().then((c) => c.summary, () => '(unavailable)'));
    lines.push(`  ${name.padEnd(12)} ${summary}`);
  }
  return lines.join('\n');
}

/** The command names `main` knows (for tests and completion). */
export const commandNames = (): string[] => Object.keys(commands);

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (name === 'help' && rest.length > 0) {
    // `edgehall help <command>` is `edgehall <command> --help`.
    const target = commands[rest[0]!];
    if (!target || rest.length > 1) {
      process.stderr.write(`edgehall help: ${target ? 'give one command' : `unknown command '${rest[0]}'`}. Run 'edgehall --help' for the list.\n`);
      return 2;
    }
    return (await target()).run(['--help']);
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write((await usage()) + '\n');
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`edgehall: unknown command '${name}'. Run 'edgehall --help' for the list.\n`);
    return 2;
  }
  return (await load()).run(rest);
}
