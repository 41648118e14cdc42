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
};

async function usage(): Promise<string> {
  const lines = ['usage: edgehall <command> [options]', '       edgehall --version', '', 'commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const summary = await load().then((c) => c.summary, () => '(unavailable)');
    lines.push(`  ${name.padEnd(12)} ${summary}`);
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${version}\n`);
    return 0;
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
