// `edgehall search <words...> [--limit N] [--json]`: the WCP taxonomy entities matching every word,
// best first (ranking: src/taxonomy/search.ts). Exit 0 with results, 1 with none, 2 on a usage error.
import { wcpTaxonomy } from '../../src/taxonomy/catalog.js';
import { searchTaxonomy } from '../../src/taxonomy/search.js';
import type { TaxonomyEntity } from '../../src/taxonomy/schema.js';
import { parseCliOptions, printedHelp, str } from '../options.js';

export const summary = 'search the WCP taxonomy: search <words...> [--limit N] [--json]';

const USAGE = `usage: edgehall search <words...> [--limit N] [--json]

Searches the WCP taxonomy shipped with edgehall (245 capabilities, worker species, controls,
profiles and policies) case-insensitively. Every word must match the entity's id, name, tags,
type or description. Best first: the exact id, then id prefixes and id segments
("summarize" in cap.mem.summarize), then names, tags and descriptions; ties by id.
  --limit N   at most N results (default 20)
  --json      a JSON array of the catalog entities, best first
Exit 0 with results, 1 when nothing matches (--json then prints []), 2 on a usage error.
'edgehall explain <id>' shows one entity and what it links to.`;

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const p = parseCliOptions(argv, { limit: 'string', json: 'boolean' });
  const fail = (msg: string): number => {
    process.stderr.write(`edgehall search: ${msg}\n${USAGE}\n`);
    return 2;
  };
  if (typeof p === 'string') return fail(p);
  const words = p.positional.flatMap((w) => w.split(/\s+/)).filter(Boolean);
  if (words.length === 0) return fail('give at least one word to search for');
  const limitText = str(p, 'limit') ?? '20';
  if (!/^[1-9]\d{0,5}$/.test(limitText)) return fail(`--limit must be a positive integer (at most 999999); got '${limitText}'`);
  let hits: TaxonomyEntity[];
  try {
    hits = searchTaxonomy(wcpTaxonomy(), words, { limit: Number(limitText) });
  } catch (e) {
    return fail((e as Error).message);
  }
  if (p.values.json) process.stdout.write(JSON.stringify(hits, null, 2) + '\n');
  else if (hits.length) process.stdout.write(table(hits) + '\n');
  if (hits.length === 0) {
    process.stderr.write(`edgehall search: no taxonomy entity matches all of: ${words.join(' ')}. Try fewer or shorter words (a word may be the start of one).\n`);
    return 1;
  }
  return 0;
}

function table(hits: TaxonomyEntity[]): string {
  const rows = [['ID', 'TYPE', 'RISK', 'NAME'], ...hits.map((e) => [e.id, e.type, 'risk_tier' in e ? e.risk_tier : '-', e.name])];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join('  ')).join('\n');
}
