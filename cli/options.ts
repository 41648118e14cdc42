// Command-line plumbing shared by the commands: a small GNU-style option parser, the --help check,
// and the options every archive command (sign, verify) takes.

export type OptionSpec = Record<string, 'string' | 'boolean'>;
export interface ParsedOptions {
  positional: string[];
  values: Record<string, string | true>;
}

/** The identity and archive options of `sign` and `verify` (each adds its own). */
export const ARCHIVE_OPTIONS = {
  'worker-id': 'string',
  species: 'string',
  'strip-prefix': 'string',
  'secret-env': 'string',
} as const satisfies OptionSpec;

/** Prints `usage` and returns true when argv asks for help (`--help` or `-h` anywhere). */
export function printedHelp(argv: string[], usage: string): boolean {
  if (!argv.includes('--help') && !argv.includes('-h')) return false;
  process.stdout.write(usage + '\n');
  return true;
}

/** A small GNU-style option parser (`--name value` or `--name=value`); a string is the usage error. */
export function parseCliOptions(argv: string[], spec: OptionSpec): ParsedOptions | string {
  const out: ParsedOptions = { positional: [], values: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
    const kind = spec[name];
    if (!kind) return `unknown option --${name}`;
    if (kind === 'boolean') {
      if (eq !== -1) return `--${name} takes no value`;
      out.values[name] = true;
      continue;
    }
    const v = eq === -1 ? argv[++i] : a.slice(eq + 1);
    if (v === undefined) return `--${name} needs a value`;
    if (name in out.values) return `--${name} given twice`;
    out.values[name] = v;
  }
  return out;
}

/** A string option's value, or undefined when it was not given. */
export function str(p: ParsedOptions, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}
