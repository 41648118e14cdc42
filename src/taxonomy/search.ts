// Search and explain over a WCP taxonomy catalog (web-standard; the catalog is a parameter, so the
// shipped one, a Hall's or a test's all work).
//
// Ranking (case-insensitive; the query is split into words on whitespace, repeated words count once).
// Each word scores against an entity by the best place it matches:
//   1000 the whole id                          ("cap.mem.summarize")
//    300 a leading run of id segments          ("cap.mem", "cap")
//    200 the start of the id                   ("cap.mem.summ")
//    150 a later run of whole segments         ("mem.summarize")
//    120 one id segment                        ("summarize" in cap.mem.summarize)
//    100 one hyphen-separated part of a segment ("egress" in ctrl.sandbox.no-egress-default-deny)
//     80 the start of a segment or part        ("summar" in wrk.mem.summarizer)
//     60 anywhere in the id
//     50 / 40 / 30  a word of the name / the start of a name word / anywhere in the name
//     25 / 20       a tag / the start of a tag or of a part of it
//     15            the entity type ("control", "worker_species", "worker species" word by word)
//     10 / 8 / 5    a word of the description / the start of one / anywhere in it
// By default every word must match somewhere (`match: 'all'`); the entity's score is the sum of its
// words' scores. With `match: 'any'` an entity matching more words ranks above one matching fewer,
// then by the sum. Equal scores are ordered by id (code-unit order), so results are deterministic.
import { TAXONOMY_ID_PREFIX, TAXONOMY_LINK_FIELDS, type TaxonomyCatalog, type TaxonomyEntity, type TaxonomyLinkField } from './schema.js';
import { editDistance } from '../util/edit-distance.js';

export interface TaxonomySearchOptions {
  /** At most this many results (default 20; a positive integer). */
  limit?: number;
  /** 'all' (default): every word must match; 'any': entities matching more words rank first. */
  match?: 'all' | 'any';
}

/** Bounds on a query, so its cost stays linear in its size. */
const MAX_WORDS = 32;
const MAX_WORD_LENGTH = 200;

interface Indexed {
  entity: TaxonomyEntity;
  id: string;
  segments: string[];
  parts: string[];
  name: string;
  nameWords: string[];
  tags: string[];
  tagParts: string[];
  typeWords: string[];
  description: string;
  descriptionWords: string[];
}

const index = new WeakMap<TaxonomyCatalog, Indexed[]>();

const wordsOf = (text: string): string[] => text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

function indexed(catalog: TaxonomyCatalog): Indexed[] {
  let out = index.get(catalog);
  if (out) return out;
  out = catalog.entities.map((entity) => {
    const id = entity.id.toLowerCase();
    const segments = id.split('.');
    return {
      entity,
      id,
      segments,
      parts: segments.flatMap((s) => s.split('-')),
      name: entity.name.toLowerCase(),
      nameWords: wordsOf(entity.name),
      tags: entity.tags.map((t) => t.toLowerCase()),
      tagParts: entity.tags.flatMap((t) => t.toLowerCase().split('-')),
      typeWords: [entity.type, ...entity.type.split('_')],
      description: entity.description.toLowerCase(),
      descriptionWords: wordsOf(entity.description),
    };
  });
  index.set(catalog, out);
  return out;
}

function wordScore(e: Indexed, w: string): number {
  if (e.id === w) return 1000;
  if (e.id.startsWith(w)) return e.id[w.length] === '.' ? 300 : 200;
  if (w.includes('.') && e.id.includes('.' + w) && (e.id.endsWith('.' + w) || e.id.includes('.' + w + '.'))) return 150;
  if (e.segments.includes(w)) return 120;
  if (e.parts.includes(w)) return 100;
  if (e.parts.some((p) => p.startsWith(w)) || e.segments.some((s) => s.startsWith(w))) return 80;
  if (e.id.includes(w)) return 60;
  if (e.nameWords.includes(w)) return 50;
  if (e.nameWords.some((n) => n.startsWith(w))) return 40;
  if (e.name.includes(w)) return 30;
  if (e.tags.includes(w)) return 25;
  if (e.tags.some((t) => t.startsWith(w)) || e.tagParts.some((t) => t.startsWith(w))) return 20;
  if (e.typeWords.includes(w)) return 15;
  if (e.descriptionWords.includes(w)) return 10;
  if (e.descriptionWords.some((d) => d.startsWith(w))) return 8;
  if (e.description.includes(w)) return 5;
  return 0;
}

/** The query's words: split on whitespace, lowercased, each once. Throws RangeError past the bounds. */
function queryWords(words: string | readonly string[]): string[] {
  const list = (typeof words === 'string' ? [words] : words).flatMap((w) => w.toLowerCase().split(/\s+/)).filter(Boolean);
  const unique = [...new Set(list)];
  if (unique.length > MAX_WORDS) throw new RangeError(`a taxonomy search takes at most ${MAX_WORDS} words; got ${unique.length}`);
  const long = unique.find((w) => w.length > MAX_WORD_LENGTH);
  if (long !== undefined) throw new RangeError(`a taxonomy search word is at most ${MAX_WORD_LENGTH} characters; one has ${long.length}`);
  return unique;
}

/**
 * The catalog entities matching `words`, best first (see the ranking at the top of this file).
 * No words → no results. Throws RangeError for a limit that is not a positive integer, or a query
 * past its bounds (32 words of up to 200 characters).
 */
export function searchTaxonomy(catalog: TaxonomyCatalog, words: string | readonly string[], options: TaxonomySearchOptions = {}): TaxonomyEntity[] {
  const limit = options.limit ?? 20;
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer; got ${String(limit)}`);
  const any = options.match === 'any';
  const ws = queryWords(words);
  if (ws.length === 0) return [];
  const hits: { entity: TaxonomyEntity; id: string; matched: number; score: number }[] = [];
  for (const e of indexed(catalog)) {
    let matched = 0;
    let score = 0;
    for (const w of ws) {
      const s = wordScore(e, w);
      if (s > 0) {
        matched++;
        score += s;
      } else if (!any) {
        matched = 0;
        break;
      }
    }
    if (matched > 0) hits.push({ entity: e.entity, id: e.entity.id, matched, score });
  }
  hits.sort((a, b) => b.matched - a.matched || b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return hits.slice(0, limit).map((h) => h.entity);
}

/** A link between two entities: `field` is the list on the linking entity that names the other. */
export interface TaxonomyRelation {
  field: TaxonomyLinkField;
  entity: TaxonomyEntity;
}

export interface TaxonomyExplanation {
  entity: TaxonomyEntity;
  /** Entities this one names (its typical/required controls, the capabilities a species serves), in its order. */
  links: TaxonomyRelation[];
  /** Entities naming this one (species serving a capability, entities requiring a control), by id. */
  referenced_by: TaxonomyRelation[];
}

const linkFields = Object.keys(TAXONOMY_LINK_FIELDS) as TaxonomyLinkField[];
const refsOf = (e: TaxonomyEntity, field: TaxonomyLinkField): readonly string[] => {
  const v = (e as Partial<Record<TaxonomyLinkField, string[]>>)[field];
  return Array.isArray(v) ? v : [];
};

/**
 * The entity with this id (case-insensitive, surrounding whitespace ignored) and the entities it
 * links to and is linked from; null when the catalog has no such id.
 */
export function explainTaxonomy(catalog: TaxonomyCatalog, id: string): TaxonomyExplanation | null {
  const want = id.trim().toLowerCase();
  const byId = new Map(catalog.entities.map((e) => [e.id.toLowerCase(), e] as const));
  const entity = byId.get(want);
  if (!entity) return null;
  const links: TaxonomyRelation[] = [];
  for (const field of linkFields) {
    for (const ref of refsOf(entity, field)) {
      const other = byId.get(ref.toLowerCase());
      if (other) links.push({ field, entity: other });
    }
  }
  const referenced_by: TaxonomyRelation[] = [];
  for (const other of catalog.entities) {
    for (const field of linkFields) {
      if (refsOf(other, field).some((r) => r.toLowerCase() === want)) referenced_by.push({ field, entity: other });
    }
  }
  referenced_by.sort((a, b) => (a.entity.id < b.entity.id ? -1 : a.entity.id > b.entity.id ? 1 : 0));
  return { entity, links, referenced_by };
}

const PREFIXES = new Set(Object.values(TAXONOMY_ID_PREFIX));

/**
 * Ids close to `text` for a "did you mean" hint: near spellings of the whole id (by edit distance,
 * then id) or, when there are none, the entities matching most of its words (split on dots,
 * hyphens, spaces; a leading type prefix such as `cap` is dropped).
 */
export function suggestTaxonomyIds(catalog: TaxonomyCatalog, text: string, limit = 5): string[] {
  const want = text.trim().toLowerCase().slice(0, MAX_WORD_LENGTH);
  const out: string[] = [];
  if (want) {
    const max = Math.max(2, Math.floor(want.length / 5));
    const near = catalog.entities
      .map((e) => ({ id: e.id, d: editDistance(want, e.id.toLowerCase(), max) }))
      .filter((x) => x.d <= max)
      .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const x of near) out.push(x.id);
    if (out.length) return out.slice(0, limit);
  }
  // The type prefix (cap, wrk, ...) would match a whole type; the words after it say what was meant.
  const split = want.split(/[\s.\-_]+/).filter((w) => w.length > 1);
  if (split.length > 1 && PREFIXES.has(split[0]!)) split.shift();
  const words = [...new Set(split)].slice(0, MAX_WORDS);
  if (words.length) {
    for (const e of searchTaxonomy(catalog, words, { match: 'any', limit: limit + out.length })) if (!out.includes(e.id)) out.push(e.id);
  }
  return out.slice(0, limit);
}
