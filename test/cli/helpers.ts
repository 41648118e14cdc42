// Run CLI commands in-process with stdout/stderr captured and a given environment, the way a
// user's shell would call `edgehall <command>`.
import { main } from '../../cli/main.js';
import { captureOutput, type Captured } from '../support/capture.js';

export type CliResult = Captured;

/** Runs `edgehall ...argv` with `env` added to (and, for undefined values, removed from) process.env. */
export async function cli(argv: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return await captureOutput(() => main(argv));
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The JSON lines of a --json run. */
export const jsonLines = (out: string): unknown[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
