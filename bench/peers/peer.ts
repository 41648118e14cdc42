// The peers of the same-run benchmarks, run from where they live (../shared/peers, or
// EDGEHALL_PEERS_DIR): each one in its own child process, driven over JSON lines (see
// pyhall_python.py). Never a typed-in figure: a peer that cannot start is "not available".
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

export type PeerName = 'pyhall-python' | '@pyhall/core';
export const PEER_NAMES: readonly PeerName[] = ['pyhall-python', '@pyhall/core'];

/** What a peer is asked to decide: the same rules, workers and raw inputs edgehall decides. */
export interface PeerWorkload {
  rules: unknown;
  workers: unknown[];
  inputs: Record<string, unknown>[];
}

/** The peer's decision for the workload's first input, to confirm it decides the same way. */
export interface PeerCheck {
  denied: boolean;
  matched_rule_id: string;
  selected_worker_species_id: string | null;
  artifact_hash: string | null;
  events: string[];
}

export function peersDir(): string {
  return resolve(process.env.EDGEHALL_PEERS_DIR ?? join(repoRoot, '../shared/peers'));
}

function command(name: PeerName, dir: string): { file: string; args: string[]; env: NodeJS.ProcessEnv } | string {
  if (name === 'pyhall-python') {
    const pkg = join(dir, 'pyhall-python');
    if (!existsSync(join(pkg, 'pyhall', '__init__.py'))) return `${pkg}/pyhall not found`;
    return { file: 'python3', args: [join(here, 'pyhall_python.py')], env: { ...process.env, PYTHONPATH: pkg } };
  }
  const entry = join(dir, 'pyhall-typescript', 'src', 'index.ts');
  if (!existsSync(entry)) return `${entry} not found`;
  return { file: process.execPath, args: ['--import', 'tsx', join(here, 'pyhall_core.ts'), entry], env: process.env };
}

export class PeerProcess {
  private readonly waiting: ((line: string | null) => void)[] = [];
  private readonly buffered: string[] = [];
  private closed = false;

  private constructor(
    readonly name: PeerName,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly stderr: string[],
  ) {
    createInterface({ input: child.stdout }).on('line', (l) => {
      const w = this.waiting.shift();
      if (w) w(l);
      else this.buffered.push(l);
    });
    child.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w(null);
    });
  }

  /** Starts the peer on the workload, or says why it is not available. */
  static async start(name: PeerName, workload: PeerWorkload): Promise<{ peer: PeerProcess; check: PeerCheck } | { unavailable: string }> {
    const cmd = command(name, peersDir());
    if (typeof cmd === 'string') return { unavailable: cmd };
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(cmd.file, cmd.args, { cwd: repoRoot, env: cmd.env, stdio: 'pipe' });
    } catch (e) {
      return { unavailable: (e as Error).message };
    }
    const stderr: string[] = [];
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 50) stderr.push(d.toString());
    });
    const spawnError = new Promise<string>((res) => child.on('error', (e) => res(e.message)));
    const peer = new PeerProcess(name, child, stderr);
    child.stdin.write(JSON.stringify(workload) + '\n');
    const first = await Promise.race([peer.next(), spawnError, new Promise<string>((r) => setTimeout(() => r('no answer within 60 s'), 60_000).unref())]);
    const reason = (why: string) => {
      child.kill();
      return { unavailable: `${why}${stderr.length ? ': ' + stderr.join('').trim().split('\n').slice(-1)[0] : ''}` };
    };
    if (first === null) return reason('exited before it was ready');
    if (typeof first === 'string') return reason(first);
    const ready = first as { ready?: boolean; check?: PeerCheck };
    if (!ready.ready || !ready.check) return reason('unexpected first answer');
    return { peer, check: ready.check };
  }

  private next(): Promise<Record<string, unknown> | null> {
    const parse = (l: string | null) => (l === null ? null : (JSON.parse(l) as Record<string, unknown>));
    const b = this.buffered.shift();
    if (b !== undefined) return Promise.resolve(parse(b));
    if (this.closed) return Promise.resolve(null);
    return new Promise((res) => this.waiting.push((l) => res(parse(l))));
  }

  private async ask(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.child.stdin.write(JSON.stringify(cmd) + '\n');
    const a = await this.next();
    if (a === null) throw new Error(`${this.name} exited: ${this.stderr.join('').trim().split('\n').slice(-3).join(' | ')}`);
    return a;
  }

  /** Runs `caseName` for about `ms` milliseconds: decisions per wall-clock second and per CPU second of the peer's process. */
  async run(caseName: string, ms: number): Promise<{ perSec: number; perCpuSec: number }> {
    const a = (await this.ask({ cmd: 'run', case: caseName, ms })) as { count: number; ms: number; cpu_ms: number };
    return { perSec: (a.count * 1000) / a.ms, perCpuSec: (a.count * 1000) / Math.max(a.cpu_ms, 1e-3) };
  }

  /** Per-call latency percentiles over `n` calls, in microseconds. */
  async latency(caseName: string, n: number): Promise<{ p50: number; p99: number }> {
    const a = (await this.ask({ cmd: 'lat', case: caseName, n })) as { p50_us: number; p99_us: number };
    return { p50: a.p50_us, p99: a.p99_us };
  }

  close(): void {
    if (this.closed) return;
    this.child.stdin.end(JSON.stringify({ cmd: 'quit' }) + '\n');
  }
}
