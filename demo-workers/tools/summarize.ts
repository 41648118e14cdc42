// Extractive summarization (Luhn-style): every sentence is scored by how many of the document's
// frequent topic words it holds, normalised so long sentences do not win by length alone; the best N
// are returned in document order. Deterministic: equal scores go to the earlier sentence.
import { contentWords, sentences } from './text.js';

export interface ScoredSentence {
  /** Position of the sentence in the document (0-based). */
  index: number;
  text: string;
  /** Rounded to 6 decimals (stable across runtimes). */
  score: number;
}

export interface Summary {
  summary: string;
  sentences: ScoredSentence[];
  total_sentences: number;
  method: 'extractive-frequency-v1';
}

/** Sentences shorter than this many words (captions, fragments) are never picked. */
const MIN_WORDS = 4;
/** A short line without a full stop is a heading, not a sentence. */
const isHeading = (s: string): boolean => !/[.!?]["'”’)\]]*$/.test(s) && s.split(' ').length < 12;
/** The opening sentence usually states the topic: a small bonus, not a guarantee. */
const LEAD_BONUS = 1.1;

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

export function summarize(text: string, count: number): Summary {
  const all = sentences(text);
  const tokens = all.map(contentWords);
  const freq = new Map<string, number>();
  for (const ws of tokens) for (const w of ws) freq.set(w, (freq.get(w) ?? 0) + 1);
  const maxFreq = Math.max(1, ...freq.values());

  const scored = all.map((s, index): ScoredSentence => {
    const ws = tokens[index]!;
    if (s.split(' ').length < MIN_WORDS || ws.length === 0 || isHeading(s)) return { index, text: s, score: 0 };
    let sum = 0;
    for (const w of new Set(ws)) sum += freq.get(w)! / maxFreq;
    const score = (sum / Math.sqrt(ws.length)) * (index === 0 ? LEAD_BONUS : 1);
    return { index, text: s, score: round6(score) };
  });
  const picked = [...scored]
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .sort((a, b) => a.index - b.index);
  return { summary: picked.map((s) => s.text).join(' '), sentences: picked, total_sentences: all.length, method: 'extractive-frequency-v1' };
}
