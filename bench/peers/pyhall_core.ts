// Same-run benchmark driver for the @pyhall/core peer (../shared/peers/pyhall-typescript), started by
// bench/peers/peer.ts as a child process: `node --import tsx pyhall_core.ts <peer src/index.ts>`.
// It loads the peer with a dynamic import and calls only its public API; no peer code lives here.
// Protocol: the same JSON lines as pyhall_python.py. @pyhall/core's makeDecision validates its input
// itself, so "validate+decide" runs the same call as "decide".
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

interface PeerApi {
  makeDecision(opts: Record<string, unknown>): {
    denied: boolean;
    matched_rule_id: string;
    selected_worker_species_id: string | null;
    artifact_hash?: string | null;
    telemetry_envelopes: { event_id?: string }[];
  };
  loadRulesFromDoc(doc: unknown): unknown[];
  Registry: new () => {
    enroll(r: unknown): void;
    controlsPresent(): Set<string>;
    workerAvailable(s: string): boolean;
  };
}

const entry = process.argv[2];
if (!entry) throw new Error('usage: pyhall_core.ts <path of the peer src/index.ts>');
const peer = (await import(pathToFileURL(entry).href)) as PeerApi;

const reply = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const spec = JSON.parse((await lines.next()).value as string) as { rules: unknown; workers: unknown[]; inputs: Record<string, unknown>[] };
const rules = peer.loadRulesFromDoc(spec.rules);
const registry = new peer.Registry();
for (const w of spec.workers) registry.enroll(w);
const present = registry.controlsPresent();
const available = (s: string) => registry.workerAvailable(s);
const inputs = spec.inputs;
const size = inputs.length;
const decide = (i: number) =>
  peer.makeDecision({ inp: inputs[i % size], rules, registryControlsPresent: present, registryWorkerAvailable: available });
const cases: Record<string, (i: number) => unknown> = { decide, 'validate+decide': decide };

const first = decide(0);
reply({
  ready: true,
  check: {
    denied: first.denied,
    matched_rule_id: first.matched_rule_id,
    selected_worker_species_id: first.selected_worker_species_id,
    artifact_hash: first.artifact_hash ?? null,
    events: first.telemetry_envelopes.map((e) => e.event_id),
  },
});

for (;;) {
  const next = await lines.next();
  if (next.done) break;
  const cmd = JSON.parse(next.value as string) as { cmd: string; case: string; ms?: number; n?: number };
  if (cmd.cmd === 'quit') break;
  const fn = cases[cmd.case]!;
  if (cmd.cmd === 'run') {
    let count = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < cmd.ms!) {
      for (let k = 0; k < 50; k++) fn(count++);
      t = performance.now();
    }
    const c = process.cpuUsage(c0);
    reply({ count, ms: t - t0, cpu_ms: (c.user + c.system) / 1000 });
  } else if (cmd.cmd === 'lat') {
    const samples: number[] = [];
    for (let i = 0; i < cmd.n!; i++) {
      const a = performance.now();
      fn(i);
      samples.push(performance.now() - a);
    }
    samples.sort((a, b) => a - b);
    reply({ p50_us: samples[samples.length >> 1]! * 1000, p99_us: samples[Math.floor(samples.length * 0.99)]! * 1000 });
  }
}
process.exit(0);
