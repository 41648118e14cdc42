// `edgehall explain <id> [--json]`: one WCP taxonomy entity, with the entities it names and those
// naming it. Exit 0 when found, 1 for an id the catalog does not hold (close ids suggested), 2 on a
// usage error. --json prints the catalog entity exactly as shipped.
import { wcpTaxonomy } from '../../src/taxonomy/catalog.js';
import { explainTaxonomy, suggestTaxonomyIds, type TaxonomyExplanation, type TaxonomyRelation } from '../../src/taxonomy/search.js';
import type { TaxonomyLinkField } from '../../src/taxonomy/schema.js';
import { parseCliOptions, printedHelp } from '../options.js';

export const summary = 'show one WCP taxonomy entity: explain <id> [--json]';

const USAGE = `usage: edgehall explain <id> [--json]

Shows the WCP taxonomy entity with this id (e.g. cap.mem.summarize, wrk.mem.summarizer,
ctrl.obs.structured-logging): its name, description, risk tier, blast-radius hint, idempotency,
determinism, tags, the controls and capabilities it names, and the entities that name it.
  --json   the catalog entity as one JSON object
Exit 0 when found, 1 when the catalog has no such id (close ids are suggested), 2 on a usage error.
Find ids with 'edgehall search <words>'.`;

const LINK_LABEL: Record<TaxonomyLinkField, string> = {
  typical_controls: 'typical controls',
  serves_capabilities: 'serves capabilities',
  required_controls: 'required controls',
  controls_required: 'controls required',
};
const BACKLINK_LABEL: Record<TaxonomyLinkField, string> = {
  typical_controls: 'a typical control of',
  serves_capabilities: 'served by worker species',
  required_controls: 'required by worker species',
  controls_required: 'required by',
};

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const p = parseCliOptions(argv, { json: 'boolean' });
  if (typeof p === 'string' || p.positional.length !== 1) {
    process.stderr.write(`edgehall explain: ${typeof p === 'string' ? p : 'give exactly one taxonomy id'}\n${USAGE}\n`);
    return 2;
  }
  const id = p.positional[0]!;
  let catalog;
  try {
    catalog = wcpTaxonomy();
  } catch (e) {
    process.stderr.write(`edgehall explain: the shipped taxonomy catalog is invalid: ${(e as Error).message}\n`);
    return 2;
  }
  const found = explainTaxonomy(catalog, id);
  if (!found) {
    const close = suggestTaxonomyIds(catalog, id);
    const hint = close.length === 1 ? `Did you mean ${close[0]}?` : close.length ? `Did you mean one of ${close.join(', ')}?` : `Find ids with 'edgehall search <words>'.`;
    process.stderr.write(`edgehall explain: the WCP taxonomy has no entity with the id '${id}'. ${hint}\n`);
    return 1;
  }
  process.stdout.write((p.values.json ? JSON.stringify(found.entity, null, 2) : describe(found)) + '\n');
  return 0;
}

function describe({ entity: e, links, referenced_by }: TaxonomyExplanation): string {
  const out = [`${e.id}  (${e.type.replace('_', ' ')})`, `  ${e.name}`, `  ${e.description}`, ''];
  const field = (label: string, value: string) => out.push(`  ${(label + ':').padEnd(22)} ${value}`);
  if ('risk_tier' in e) {
    field('risk tier', e.risk_tier);
    const b = e.blast_radius_hint;
    field('blast radius hint', `data ${b.data}, network ${b.network}, financial ${b.financial}, time ${b.time} (${b.reversibility})`);
    field('idempotency', e.idempotency);
    field('determinism', e.determinism);
  }
  if ('enforcement_point' in e) field('enforcement point', e.enforcement_point);
  if ('required_for_risk_tiers' in e) field('required for tiers', e.required_for_risk_tiers.join(', '));
  if ('recommended_for_risk_tiers' in e) field('recommended for tiers', e.recommended_for_risk_tiers.join(', '));
  field('tags', e.tags.join(', ') || '-');
  section(out, links, LINK_LABEL);
  section(out, referenced_by, BACKLINK_LABEL);
  return out.join('\n');
}

function section(out: string[], relations: TaxonomyRelation[], labels: Record<TaxonomyLinkField, string>): void {
  const groups = new Map<string, TaxonomyRelation[]>();
  for (const r of relations) {
    const label = labels[r.field];
    groups.set(label, [...(groups.get(label) ?? []), r]);
  }
  for (const [label, rs] of groups) {
    out.push('', `  ${label}:`);
    const w = Math.max(...rs.map((r) => r.entity.id.length));
    for (const r of rs) out.push(`    ${r.entity.id.padEnd(w)}  ${r.entity.name}`);
  }
}
