// Run CLI commands in-process with stdout/stderr captured and a given environment, the way a
// user's shell would call `edgehall <command>`.
import { vi } from 'vitest';
import { main } from '../../cli/main.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `edgehall ...argv` with `env` added to (and, for undefined values, removed from) process.env. */
export async function cli(argv: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** The JSON lines of a --json run. */
export const jsonLines = (out: string): unknown[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
