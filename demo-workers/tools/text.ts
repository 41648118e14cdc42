// Shared text primitives of the demo workers: sentences, words and stop words. Deterministic and
// locale-free (no Intl segmenters), so the same text gives the same result in workerd and Node.

/** Common English words that carry no topic (ignored when scoring sentences and embedding). */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  ('a about above after again against all am an and any are as at be because been before being below between both but by can did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom why will with you your yours yourself yourselves also may might must shall would could one two us')
    .split(' '),
);

/** Lower-case word tokens (letters and digits, inner apostrophes and hyphens kept). */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? [];
}

/** Words that carry a topic: not stop words, at least two characters. */
export function contentWords(text: string): string[] {
  return words(text).filter((w) => w.length > 1 && !STOP_WORDS.has(w));
}

// A sentence ends at . ! or ? (and any closing quotes/brackets) followed by white space, unless the
// word before the stop is a common abbreviation, a dotted one ("e.g.", "p.m.") or an initial ("J.").
const ABBREVIATIONS = new Set(['etc', 'vs', 'dr', 'mr', 'mrs', 'ms', 'prof', 'fig', 'no', 'al', 'approx', 'cf', 'st', 'jr', 'sr']);

/** The sentences of `text`, in order, trimmed, whitespace collapsed; paragraph breaks also end one. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const flat = paragraph.replace(/\s+/g, ' ').trim();
    if (!flat) continue;
    let start = 0;
    const stop = /[.!?]+["'”’)\]]*(?=\s)/g;
    for (let m = stop.exec(flat); m; m = stop.exec(flat)) {
      const before = flat.slice(start, m.index);
      const lastWord = (/([\p{L}.]+)$/u.exec(before)?.[1] ?? '').toLowerCase();
      if (m[0].startsWith('.') && m[0].length === 1 && (ABBREVIATIONS.has(lastWord) || /^(?:\p{L}\.)*\p{L}$/u.test(lastWord))) continue;
      const end = m.index + m[0].length;
      const s = flat.slice(start, end).trim();
      if (s) out.push(s);
      start = end;
    }
    const rest = flat.slice(start).trim();
    if (rest) out.push(rest);
  }
  return out;
}
