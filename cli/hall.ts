// What every Hall command shares: where the Hall is and which token to use, and how a failed call
// becomes a sentence and an exit code. The commands are thin layers over the SDK's HallClient.
//   --hall URL        default $EDGEHALL_URL, else http://127.0.0.1:8787 (the `npm start` Hall)
//   --token-env VAR   the environment variable holding the bearer token (default EDGEHALL_TOKEN);
//                     a token is never taken as an argument (it would land in shell history and ps)
// Exit codes of Hall commands: 0 done, 1 the Hall said no (denied, refused, verification failed),
// 2 usage or a local file problem, 3 the Hall could not be reached or answered garbage.
import { HallApiError, HallClient, CLIENT_CODES } from '../src/client/index.js';
import { str, type OptionSpec, type ParsedOptions } from './options.js';

export const DEFAULT_HALL_URL = 'http://127.0.0.1:8787';
export const DEFAULT_TOKEN_ENV = 'EDGEHALL_TOKEN';

/** Options every Hall command accepts. */
export const HALL_OPTIONS = {
  hall: 'string',
  'token-env': 'string',
  json: 'boolean',
} as const satisfies OptionSpec;

export const HALL_OPTIONS_HELP = `  --hall URL         the Hall (default $EDGEHALL_URL, else ${DEFAULT_HALL_URL})
  --token-env VAR    environment variable holding the bearer token (default ${DEFAULT_TOKEN_ENV})
  --json             machine-readable output`;

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3 } as const;

export class CliUsageError extends Error {}

export interface HallTarget {
  url: string;
  tokenEnv: string;
  token: string | undefined;
}

/** Resolves --hall / --token-env; a named but empty variable is a usage error (say which). */
export function hallTarget(p: ParsedOptions, opts: { tokenRequired: boolean }): HallTarget {
  const url = str(p, 'hall') ?? process.env['EDGEHALL_URL'] ?? DEFAULT_HALL_URL;
  const tokenEnv = str(p, 'token-env') ?? DEFAULT_TOKEN_ENV;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenEnv)) throw new CliUsageError(`--token-env takes the NAME of an environment variable (e.g. ${DEFAULT_TOKEN_ENV}), not a token.`);
  const token = process.env[tokenEnv];
  if (opts.tokenRequired && (token === undefined || token === '')) {
    throw new CliUsageError(`no token: set ${tokenEnv} to your Hall token (for the local Hall: export ${tokenEnv}=$(sed -n 's/^HALL_DEMO_TENANT_TOKEN=//p' .dev.vars)), or name another variable with --token-env.`);
  }
  return { url, tokenEnv, token: token === '' ? undefined : token };
}

export function hallClient(t: HallTarget): HallClient {
  return new HallClient({ baseUrl: t.url, ...(t.token !== undefined ? { token: t.token } : {}) });
}

/** A failed call as one sentence on stderr (never the token), and the exit code it deserves. */
export function reportHallError(err: unknown, t: HallTarget | null, json: boolean): number {
  if (err instanceof CliUsageError) {
    process.stderr.write(`edgehall: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof HallApiError) {
    const unreachable = err.status === 0 && (err.code === CLIENT_CODES.UNREACHABLE || err.code === CLIENT_CODES.TIMEOUT || err.code === CLIENT_CODES.BAD_RESPONSE || err.code === CLIENT_CODES.HTTP_ERROR);
    const where = t ? ` (${t.url})` : '';
    const sentence = unreachable
      ? `cannot reach the Hall${where}: ${err.detail} Is it running (npm start)? Check --hall / EDGEHALL_URL.`
      : err.status === 401 && err.code.startsWith('AUTH_') // not e.g. ENROLLMENT_SIGNATURE_REQUIRED (also a 401)
        ? `the Hall refused the token from ${t?.tokenEnv ?? DEFAULT_TOKEN_ENV}${where}: ${err.detail}`
        : `${err.code}: ${err.detail}`;
    if (json) process.stdout.write(JSON.stringify({ error: { code: err.code, status: err.status, message: sentence } }) + '\n');
    process.stderr.write(`edgehall: ${sentence}\n`);
    return unreachable ? EXIT.unreachable : err.status === 0 && err.code === CLIENT_CODES.INVALID_ARGUMENT ? EXIT.usage : EXIT.refused;
  }
  process.stderr.write(`edgehall: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.usage;
}
