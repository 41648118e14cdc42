// The WCP taxonomy shipped with edgehall: the catalog against its strict schema, the search ranking,
// explain, and the `edgehall search` / `explain` / `--version` commands (run in-process, stdout
// captured, plus one real process for the installed-style bin).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureOutput } from '../support/capture.js';
import { main } from '../../cli/main.js';
import * as explain from '../../cli/commands/explain.js';
import * as search from '../../cli/commands/search.js';
import { WCP_TAXONOMY_SOURCE, wcpTaxonomy } from '../../src/taxonomy/catalog.js';
import {
  TaxonomyCatalogSchema,
  TaxonomyEntitySchema,
  explainTaxonomy,
  searchTaxonomy,
  suggestTaxonomyIds,
  type TaxonomyCatalog,
  type TaxonomyEntity,
} from '../../src/index.js';


const rawFile = fileURLToPath(new URL('../../src/taxonomy/catalog.json', import.meta.url));
const raw = () => JSON.parse(readFileSync(rawFile, 'utf8')) as { _meta: Record<string, unknown>; entities: Record<string, unknown>[] };
const catalog = wcpTaxonomy();
const ids = (es: TaxonomyEntity[]) => es.map((e) => e.id);
const entity = (id: string) => catalog.entities.find((e) => e.id === id)!;
const version = (JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string }).version;

describe('the shipped catalog', () => {
  it('is the reference catalog: 245 entities of five types, valid under the strict schema', () => {
    expect(catalog._meta).toEqual({ version: '0.1.0', wcp_spec: '0.1', total_entities: 245, built: '2026-02-26' });
    const byType: Record<string, number> = {};
    for (const e of catalog.entities) byType[e.type] = (byType[e.type] ?? 0) + 1;
    expect(byType).toEqual({ capability: 127, worker_species: 48, control: 33, profile: 33, policy: 4 });
    // Parsing is lossless: the shipped data is exactly the JSON file.
    expect(catalog).toEqual(raw());
    expect(WCP_TAXONOMY_SOURCE).toMatch(/pyhall.*Apache-2\.0/);
  });

  const refused = (mutate: (c: ReturnType<typeof raw>) => void): string[] => {
    const c = raw();
    mutate(c);
    const r = TaxonomyCatalogSchema.safeParse(c);
    expect(r.success).toBe(false);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('refuses an unknown key, an out-of-enum value and an id whose prefix does not match its type, with their paths', () => {
    expect(refused((c) => (c.entities[0]!.owner = 'me')).join('\n')).toMatch(/^entities\.0: .*owner/m);
    expect(refused((c) => (c.entities[0]!.risk_tier = 'extreme')).join('\n')).toMatch(/^entities\.0\.risk_tier: /m);
    expect(refused((c) => (c.entities[0]!.id = 'wrk.mount.workspace')).join('\n')).toMatch(/^entities\.0\.id: must be a cap\.\* id/m);
    expect(refused((c) => (c.entities[0]!.id = 'org.acme.mount')).join('\n')).toMatch(/^entities\.0\.id: /m);
    expect(refused((c) => ((c.entities[0]!.blast_radius_hint as Record<string, unknown>).data = 9)).join('\n')).toMatch(/^entities\.0\.blast_radius_hint\.data: /m);
  });

  it('refuses duplicate ids, a wrong total and a link to an entity the catalog does not hold (or of the wrong type)', () => {
    expect(refused((c) => (c.entities[1]!.id = c.entities[0]!.id)).join('\n')).toMatch(/entities\.1\.id: duplicate id cap\.mount\.workspace/);
    expect(refused((c) => c.entities.pop()).join('\n')).toMatch(/^_meta\.total_entities: says 245 but the catalog holds 244/m);
    const cap = (c: ReturnType<typeof raw>) => c.entities.findIndex((e) => e.id === 'cap.mem.summarize');
    expect(
      refused((c) => ((c.entities[cap(c)]!.typical_controls as string[])[0] = 'ctrl.nope.missing')).join('\n'),
    ).toMatch(/typical_controls\.0: ctrl\.nope\.missing is not a control in this catalog/);
    const wrk = (c: ReturnType<typeof raw>) => c.entities.findIndex((e) => e.id === 'wrk.mem.summarizer');
    expect(
      refused((c) => ((c.entities[wrk(c)]!.serves_capabilities as string[])[0] = 'cap.mem.nope')).join('\n'),
    ).toMatch(/serves_capabilities\.0: cap\.mem\.nope is not a capability/);
  });
});

describe('searchTaxonomy', () => {
  it('ranks an id segment above a segment prefix: "summarize" → cap.mem.summarize, then wrk.mem.summarizer', () => {
    expect(ids(searchTaxonomy(catalog, ['summarize']))).toEqual(['cap.mem.summarize', 'wrk.mem.summarizer']);
    expect(ids(searchTaxonomy(catalog, 'SUMMARIZE'))).toEqual(['cap.mem.summarize', 'wrk.mem.summarizer']);
  });

  it('puts the exact id first, even above entities that contain it', () => {
    expect(ids(searchTaxonomy(catalog, 'cap.net.egress')).length).toBeGreaterThan(1);
    const r = ids(searchTaxonomy(catalog, 'ctrl.obs.structured-logging'));
    expect(r[0]).toBe('ctrl.obs.structured-logging');
    expect(ids(searchTaxonomy(catalog, ['cap.mem.summarize']))[0]).toBe('cap.mem.summarize');
  });

  it('an id prefix returns that family in id order; a trailing run of segments finds its ids', () => {
    const mem = ids(searchTaxonomy(catalog, 'cap.mem', { limit: 100 }));
    expect(mem.length).toBeGreaterThan(3);
    expect(mem.every((id) => id.startsWith('cap.mem.'))).toBe(true);
    expect(mem).toEqual([...mem].sort());
    expect(ids(searchTaxonomy(catalog, 'mem.summarize'))[0]).toBe('cap.mem.summarize');
  });

  it('ranks id matches above name matches above tag matches above description matches', () => {
    // One word ("quartz") placed in a different field of each entity of a small catalog.
    const base = entity('ctrl.obs.structured-logging');
    const mk = (id: string, name: string, tags: string[], description: string): TaxonomyEntity => ({ ...base, id, name, tags, description }) as TaxonomyEntity;
    const entities = [
      mk('ctrl.a.desc', 'Alpha', ['x'], 'Mentions quartz in passing.'),
      mk('ctrl.b.tag', 'Beta', ['quartz'], 'Nothing here.'),
      mk('ctrl.c.name', 'Quartz Gate', ['x'], 'Nothing here.'),
      mk('ctrl.d.quartz', 'Delta', ['x'], 'Nothing here.'),
      mk('ctrl.e.quartz-clock', 'Echo', ['x'], 'Nothing here.'),
      mk('ctrl.f.quartzite', 'Foxtrot', ['x'], 'Nothing here.'),
      mk('ctrl.g.none', 'Golf', ['x'], 'Nothing here.'),
    ];
    const small = TaxonomyCatalogSchema.parse({ _meta: { ...catalog._meta, total_entities: entities.length }, entities });
    expect(ids(searchTaxonomy(small, 'Quartz'))).toEqual(['ctrl.d.quartz', 'ctrl.e.quartz-clock', 'ctrl.f.quartzite', 'ctrl.c.name', 'ctrl.b.tag', 'ctrl.a.desc']);
    // The real catalog: id segments (cap.net.egress.*) before hyphen parts (…no-egress-…).
    const egress = ids(searchTaxonomy(catalog, 'egress', { limit: 245 }));
    expect(egress.slice(0, 2)).toEqual(['cap.net.egress.allowlisted', 'cap.net.egress.denied']);
    expect(egress.indexOf('ctrl.sandbox.no-egress-default-deny')).toBeGreaterThan(1);
  });

  it('requires every word by default (multi-word narrows), ranks by words matched with match: any', () => {
    const both = ids(searchTaxonomy(catalog, ['logging', 'structured']));
    expect(both[0]).toBe('ctrl.obs.structured-logging');
    expect(searchTaxonomy(catalog, ['summarize', 'zzzz-nothing'])).toEqual([]);
    const any = ids(searchTaxonomy(catalog, ['summarize', 'zzzz-nothing'], { match: 'any' }));
    expect(any.slice(0, 2)).toEqual(['cap.mem.summarize', 'wrk.mem.summarizer']);
    // One argument with spaces is several words; a repeated word counts once.
    expect(ids(searchTaxonomy(catalog, 'structured logging'))).toEqual(both);
    expect(ids(searchTaxonomy(catalog, ['summarize', 'Summarize']))).toEqual(['cap.mem.summarize', 'wrk.mem.summarizer']);
  });

  it('breaks ties by id and is deterministic; honours the limit', () => {
    // "cap" is the leading segment of all 127 capability ids (equal scores: id order), then words
    // starting with it elsewhere ("capture", ...).
    const all = searchTaxonomy(catalog, 'cap', { limit: 1000 });
    const caps = ids(all).slice(0, 127);
    expect(caps.every((id) => id.startsWith('cap.'))).toBe(true);
    expect(caps).toEqual(caps.slice().sort());
    expect(ids(all).slice(127).some((id) => id.startsWith('cap.'))).toBe(false);
    expect(ids(searchTaxonomy(catalog, 'cap', { limit: 3 }))).toEqual(ids(all).slice(0, 3));
    expect(searchTaxonomy(catalog, 'cap')).toHaveLength(20);
    const shuffled: TaxonomyCatalog = { ...catalog, entities: [...catalog.entities].reverse() };
    expect(ids(searchTaxonomy(shuffled, 'egress', { limit: 50 }))).toEqual(ids(searchTaxonomy(catalog, 'egress', { limit: 50 })));
  });

  it('returns nothing for no words, and refuses a bad limit or an oversized query', () => {
    expect(searchTaxonomy(catalog, [])).toEqual([]);
    expect(searchTaxonomy(catalog, '   ')).toEqual([]);
    expect(() => searchTaxonomy(catalog, 'x', { limit: 0 })).toThrow(RangeError);
    expect(() => searchTaxonomy(catalog, 'x', { limit: 1.5 })).toThrow(RangeError);
    expect(() => searchTaxonomy(catalog, Array.from({ length: 33 }, (_, i) => `w${i}`))).toThrow(/at most 32 words/);
    expect(() => searchTaxonomy(catalog, 'a'.repeat(201))).toThrow(/at most 200 characters/);
  });
});

describe('explainTaxonomy', () => {
  it('returns the entity with what it names and what names it', () => {
    const x = explainTaxonomy(catalog, 'cap.mem.summarize')!;
    expect(x.entity).toBe(entity('cap.mem.summarize'));
    expect(x.links.map((l) => [l.field, l.entity.id])).toEqual([['typical_controls', 'ctrl.obs.structured-logging']]);
    expect(x.referenced_by.map((l) => [l.field, l.entity.id])).toContainEqual(['serves_capabilities', 'wrk.mem.summarizer']);
    const w = explainTaxonomy(catalog, ' WRK.MEM.SUMMARIZER ')!;
    expect(w.entity.id).toBe('wrk.mem.summarizer');
    expect(w.links.map((l) => l.field)).toContain('serves_capabilities');
    const ctrl = explainTaxonomy(catalog, 'ctrl.obs.structured-logging')!;
    expect(ctrl.links).toEqual([]);
    const by = ctrl.referenced_by.map((r) => r.entity.id);
    expect(by.length).toBeGreaterThan(10);
    expect(by).toEqual([...by].sort());
  });

  it('returns null for an id the catalog does not hold; suggestTaxonomyIds offers the near ones', () => {
    expect(explainTaxonomy(catalog, 'cap.mem.sumarize')).toBeNull();
    expect(explainTaxonomy(catalog, 'org.acme.thing')).toBeNull();
    expect(suggestTaxonomyIds(catalog, 'cap.mem.sumarize')).toEqual(['cap.mem.summarize']);
    expect(suggestTaxonomyIds(catalog, 'wrk.summarizer')).toEqual(['wrk.mem.summarizer']);
    expect(suggestTaxonomyIds(catalog, 'qqqqqqq')).toEqual([]);
  });
});

describe('edgehall search', () => {
  it('--json prints a JSON array of catalog entities, best first; exit 0', async () => {
    const r = await captureOutput(() => search.run(['summarize', '--json']));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as unknown[];
    expect(Array.isArray(out)).toBe(true);
    expect(out).toEqual([entity('cap.mem.summarize'), entity('wrk.mem.summarizer')]);
    for (const e of out) expect(TaxonomyEntitySchema.safeParse(e).success).toBe(true);
  });

  it('prints a table by default, honours --limit, and words may come in several arguments', async () => {
    const r = await captureOutput(() => search.run(['structured', 'logging']));
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+RISK\s+NAME$/);
    expect(lines[1]).toMatch(/^ctrl\.obs\.structured-logging\s+control\s+-\s+Structured Logging$/);
    const lim = await captureOutput(() => search.run(['--limit', '2', 'cap', '--json']));
    expect(JSON.parse(lim.out)).toHaveLength(2);
  });

  it('exit 1 and [] when nothing matches; exit 2 on a usage error', async () => {
    const none = await captureOutput(() => search.run(['zzzz-nothing', '--json']));
    expect(none.code).toBe(1);
    expect(JSON.parse(none.out)).toEqual([]);
    expect(none.err).toMatch(/no taxonomy entity matches all of: zzzz-nothing/);
    const human = await captureOutput(() => search.run(['zzzz-nothing']));
    expect([human.code, human.out]).toEqual([1, '']);
    for (const argv of [[], ['--json'], ['x', '--limit', '0'], ['x', '--limit', 'ten'], ['x', '--limit'], ['x', '--nope']]) {
      const bad = await captureOutput(() => search.run(argv));
      expect(bad.code, argv.join(' ')).toBe(2);
      expect(bad.out).toBe('');
    }
    expect((await captureOutput(() => search.run(['--help']))).code).toBe(0);
  });
});

describe('edgehall explain', () => {
  it('--json prints the one catalog entity exactly as shipped; the human form names its links', async () => {
    const r = await captureOutput(() => explain.run(['wrk.mem.summarizer', '--json']));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(entity('wrk.mem.summarizer'));
    const h = await captureOutput(() => explain.run(['cap.mem.summarize']));
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^cap\.mem\.summarize {2}\(capability\)\n/);
    expect(h.out).toMatch(/risk tier:\s+low/);
    expect(h.out).toMatch(/served by worker species:\n\s+wrk\.mem\.summarizer\s+Memory Summarizer Worker/);
  });

  it('exit 1 with a sentence and the close ids for an unknown id; exit 2 on a usage error', async () => {
    const r = await captureOutput(() => explain.run(['ctrl.obs.structured-loging', '--json']));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe("edgehall explain: the WCP taxonomy has no entity with the id 'ctrl.obs.structured-loging'. Did you mean ctrl.obs.structured-logging?\n");
    const far = await captureOutput(() => explain.run(['qqqqqqq']));
    expect(far.code).toBe(1);
    expect(far.err).toMatch(/Find ids with 'edgehall search <words>'/);
    for (const argv of [[], ['a', 'b'], ['a', '--nope']]) expect((await captureOutput(() => explain.run(argv))).code, argv.join(' ')).toBe(2);
    expect((await captureOutput(() => explain.run(['--help']))).code).toBe(0);
  });
});

describe('edgehall --version and --help', () => {
  it('prints the package version (in-process and through bin/edgehall.js)', async () => {
    const r = await captureOutput(() => main(['--version']));
    expect([r.code, r.out]).toEqual([0, `${version}\n`]);
    const bin = fileURLToPath(new URL('../../bin/edgehall.js', import.meta.url));
    const p = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect([p.status, p.stdout, p.stderr]).toEqual([0, `${version}\n`, '']);
  });

  it('lists search and explain among the commands', async () => {
    const r = await captureOutput(() => main(['--help']));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/edgehall --version/);
    expect(r.out).toMatch(/^ {2}search {7}search the WCP taxonomy/m);
    expect(r.out).toMatch(/^ {2}explain {6}show one WCP taxonomy entity/m);
  });
});
