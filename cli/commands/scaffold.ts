// `edgehall scaffold <dir> --worker-id ID --species ID --capability CAP... [--risk-tier T] [--force] [--json]`:
// a worker package layout (worker.py stub, README.md, registry_record.json) whose registry record
// passes the strict RegistryRecordSchema and carries the enrollment artifact_hash the Hall expects.
// Capability and species ids are looked up in the shipped WCP taxonomy: the risk tier, blast radius
// and controls are suggested from it; an id it does not hold is a warning naming close ids (tenant
// capabilities are allowed). Missing flags are prompted for when stdin is a terminal, never otherwise.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { enrollmentArtifactHash } from '../../src/routing/enrollment-hash.js';
import { wcpIdProblem } from '../../src/routing/ids.js';
import { RISK_TIERS, RegistryRecordSchema } from '../../src/routing/schemas.js';
import { wcpTaxonomy } from '../../src/taxonomy/catalog.js';
import { suggestTaxonomyIds } from '../../src/taxonomy/search.js';
import type { CapabilityEntity, TaxonomyBlastRadiusHint, WorkerSpeciesEntity } from '../../src/taxonomy/schema.js';
import { parseCliOptions, printedHelp, str } from '../options.js';

export const summary = 'write a worker package with a valid registry_record.json: scaffold <dir> --worker-id ID --species ID --capability CAP';

const USAGE = `usage: edgehall scaffold <dir> --worker-id ID --species ID --capability CAP [--capability CAP2 ...]
                         [--risk-tier low|medium|high|critical] [--force] [--json]

Writes a worker package into <dir> (created if missing):
  registry_record.json  the registry record, with the artifact_hash the Hall checks on enrollment
  worker.py             a stub worker (JSON request on stdin, JSON result on stdout)
  README.md             what to edit next and how to enroll
worker.py and README.md are never overwritten; registry_record.json only with --force.
Capability and species ids are checked against the WCP taxonomy ('edgehall search <words>'):
the risk tier, blast radius and required controls are suggested from the catalog entries (their
typical controls); an id not in the catalog is a warning with close ids (org.* and x.* ids are
tenant ids). Missing flags are asked for when stdin is a terminal; otherwise they are an error.
  --risk-tier T  override the suggested tier (default: the highest tier of the catalog entries, else medium)
  --json         one JSON object: {"dir","record","files_written","files_kept","warnings"}
Exit 0 written, 1 registry_record.json exists (use --force), 2 usage error, missing flags or bad ids.`;

const REQUIRED = ['worker-id', 'species', 'capability'] as const;
const REVERSIBILITY_ORDER = ['reversible', 'partially-reversible', 'irreversible'] as const;

function fail(message: string): number {
  process.stderr.write(`edgehall scaffold: ${message}\n`);
  return 2;
}

/** Splits repeated / comma-separated --capability values. */
function capabilityList(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = a === '--capability' ? argv[i + 1] : a.startsWith('--capability=') ? a.slice('--capability='.length) : undefined;
    if (v !== undefined) out.push(...v.split(',').map((s) => s.trim()).filter(Boolean));
  }
  return out;
}

async function prompt(missing: string[]): Promise<Record<string, string>> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answers: Record<string, string> = {};
  const ask: Record<string, string> = {
    'worker-id': 'worker id (e.g. org.acme.doc-summarizer): ',
    species: 'worker species id (e.g. wrk.doc.summarizer): ',
    capability: 'capability ids, comma-separated (e.g. cap.mem.summarize): ',
  };
  try {
    for (const m of missing) answers[m] = (await rl.question(ask[m]!)).trim();
  } finally {
    rl.close();
  }
  return answers;
}

const workerPy = (workerId: string, caps: string[]) => `"""${workerId}: a WCP worker stub written by 'edgehall scaffold'.

Reads one JSON request on stdin and writes one JSON result on stdout. Capabilities: ${caps.join(', ')}.
Replace handle() with the real work; keep registry_record.json in step with what the worker does.
"""
import json
import sys


def handle(request):
    return {"status": "ok", "echo": request}


if __name__ == "__main__":
    json.dump(handle(json.load(sys.stdin)), sys.stdout)
    sys.stdout.write("\\n")
`;

const readme = (workerId: string, species: string, caps: string[]) => `# ${workerId}

A WCP worker package written by \`edgehall scaffold\`: species \`${species}\`, capabilities
${caps.map((c) => `\`${c}\``).join(', ')}.

- \`worker.py\`: the worker (replace \`handle()\`).
- \`registry_record.json\`: its registry record. \`required_controls\` holds the controls the WCP
  taxonomy lists for these ids; add each one to \`currently_implements\` once the worker really
  implements it. After any edit, rewrite the \`artifact_hash\`
  (\`edgehall scaffold . --worker-id ${workerId} --species ${species} ${caps.map((c) => `--capability ${c}`).join(' ')} --force\`
  rewrites the record; or let \`edgehall enroll\` check it).

Enroll it: \`edgehall enroll registry_record.json --hall URL\` (token in \`EDGEHALL_TOKEN\`).
`;

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  // --capability may repeat: parse it separately, then let the parser check the rest.
  const caps = capabilityList(argv);
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--capability') i++;
    else if (!argv[i]!.startsWith('--capability=')) rest.push(argv[i]!);
  }
  const p = parseCliOptions(rest, { 'worker-id': 'string', species: 'string', 'risk-tier': 'string', force: 'boolean', json: 'boolean' });
  if (typeof p === 'string') return fail(`${p}\n${USAGE}`);
  if (p.positional.length !== 1) return fail(`give exactly one target directory\n${USAGE}`);
  if (argv.includes('--capability') && argv[argv.length - 1] === '--capability') return fail('--capability needs a value');
  const dir = p.positional[0]!;
  let workerId = str(p, 'worker-id');
  let species = str(p, 'species');
  const missing = REQUIRED.filter((k) => (k === 'capability' ? caps.length === 0 : (k === 'worker-id' ? workerId : species) === undefined));
  if (missing.length) {
    if (!process.stdin.isTTY) return fail(`missing ${missing.map((m) => `--${m}`).join(', ')} (stdin is not a terminal, so nothing is asked)\n${USAGE}`);
    const a = await prompt(missing);
    workerId ??= a['worker-id'];
    species ??= a['species'];
    if (a['capability']) caps.push(...a['capability'].split(',').map((s) => s.trim()).filter(Boolean));
  }
  const riskFlag = str(p, 'risk-tier');
  if (riskFlag !== undefined && !(RISK_TIERS as readonly string[]).includes(riskFlag)) return fail(`--risk-tier must be one of ${RISK_TIERS.join(', ')}`);

  // Ids: grammar is an error, an id the catalog does not hold is a warning.
  const problems: string[] = [];
  const wp = wcpIdProblem(workerId ?? '');
  if (wp) problems.push(`--worker-id '${workerId ?? ''}' ${wp}`);
  const sp = wcpIdProblem(species ?? '');
  if (sp) problems.push(`--species '${species ?? ''}' ${sp}`);
  if (caps.length === 0) problems.push('no capability given');
  for (const c of caps) {
    const cp = wcpIdProblem(c);
    if (cp) problems.push(`--capability '${c}' ${cp}`);
  }
  if (problems.length) return fail(`${problems.join('; ')} (WCP ids: 2-4 dot-separated lowercase segments, e.g. cap.mem.summarize)`);
  const capabilities = [...new Set(caps)];

  const catalog = wcpTaxonomy();
  const byId = new Map(catalog.entities.map((e) => [e.id, e]));
  const warnings: string[] = [];
  const known: (CapabilityEntity | WorkerSpeciesEntity)[] = [];
  const controls: string[] = [];
  const tenant = (id: string) => id.startsWith('org.') || id.startsWith('x.');
  for (const c of capabilities) {
    const e = byId.get(c);
    if (e?.type === 'capability') {
      known.push(e);
      controls.push(...e.typical_controls);
    } else if (!tenant(c)) {
      const near = suggestTaxonomyIds(catalog, c, 3).filter((id) => byId.get(id)?.type === 'capability');
      warnings.push(`capability '${c}' is not in the WCP taxonomy${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; kept as given`);
    }
  }
  const se = byId.get(species!);
  if (se?.type === 'worker_species') {
    known.push(se);
    controls.push(...se.required_controls);
    const unserved = capabilities.filter((c) => byId.has(c) && !se.serves_capabilities.includes(c));
    if (unserved.length) warnings.push(`species '${species}' does not list ${unserved.join(', ')} among the capabilities it serves (${se.serves_capabilities.join(', ') || 'none'})`);
  } else if (!tenant(species!)) {
    const near = suggestTaxonomyIds(catalog, species!, 3).filter((id) => byId.get(id)?.type === 'worker_species');
    warnings.push(`species '${species}' is not in the WCP taxonomy${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; kept as given`);
  }

  const tierIdx = known.length ? Math.max(...known.map((e) => RISK_TIERS.indexOf(e.risk_tier))) : RISK_TIERS.indexOf('medium');
  const riskTier = (riskFlag ?? RISK_TIERS[tierIdx]!) as (typeof RISK_TIERS)[number];
  const record: Record<string, unknown> = {
    worker_id: workerId,
    worker_species_id: species,
    capabilities,
    risk_tier: riskTier,
    required_controls: [...new Set(controls)].sort(),
    currently_implements: [],
    allowed_environments: ['dev', 'stage'],
  };
  if (known.length) {
    const hints: TaxonomyBlastRadiusHint[] = known.map((e) => e.blast_radius_hint);
    const dim = (k: 'data' | 'network' | 'financial' | 'time') => Math.max(...hints.map((h) => h[k]));
    record['blast_radius'] = {
      data: dim('data'),
      network: dim('network'),
      financial: dim('financial'),
      time: dim('time'),
      reversibility: REVERSIBILITY_ORDER[Math.max(...hints.map((h) => REVERSIBILITY_ORDER.indexOf(h.reversibility)))],
    };
    // The strictest behaviour any entry declares.
    const idem = ['full', 'partial', 'none'] as const;
    record['idempotency'] = idem[Math.max(...known.map((e) => idem.indexOf(e.idempotency)))];
    const det = known.map((e) => e.determinism);
    record['determinism'] = det.every((d) => d === 'deterministic') ? 'deterministic' : det.find((d) => d !== 'deterministic');
  }
  record['description'] = `${workerId}: ${capabilities.join(', ')} (written by edgehall scaffold; describe the worker here)`;
  const parsed = RegistryRecordSchema.safeParse(record);
  if (!parsed.success) return fail(`the record would not be valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  record['artifact_hash'] = enrollmentArtifactHash(record);

  if (existsSync(dir) && !statSync(dir).isDirectory()) return fail(`${dir} exists and is not a directory`);
  const recordPath = join(dir, 'registry_record.json');
  if (existsSync(recordPath) && !p.values.force) {
    process.stderr.write(`edgehall scaffold: ${recordPath} already exists; pass --force to overwrite it (worker.py and README.md are never overwritten).\n`);
    return 1;
  }
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const kept: string[] = [];
  const files: [string, string][] = [
    ['worker.py', workerPy(workerId!, capabilities)],
    ['README.md', readme(workerId!, species!, capabilities)],
  ];
  for (const [name, text] of files) {
    const path = join(dir, name);
    if (existsSync(path)) kept.push(name);
    else writeFileSync(path, text, { flag: 'wx' }), written.push(name);
  }
  writeFileSync(recordPath, JSON.stringify(record, null, 2) + '\n');
  written.push('registry_record.json');

  if (p.values.json) process.stdout.write(JSON.stringify({ dir, record, files_written: written, files_kept: kept, warnings }) + '\n');
  else {
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`wrote ${written.map((f) => join(dir, f)).join(', ')}${kept.length ? ` (kept existing ${kept.join(', ')})` : ''}\n`);
    process.stdout.write(`  risk tier ${riskTier}; required controls: ${(record['required_controls'] as string[]).join(', ') || 'none'}\n`);
    process.stdout.write(`  artifact_hash ${record['artifact_hash'] as string}\n`);
  }
  return 0;
}
