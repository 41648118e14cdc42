// Chunking: sentences are packed, in order, into chunks of at most `targetTokens` word tokens (a
// sentence longer than the target is split at word boundaries). Tokens are whitespace words — a
// stand-in for a model tokenizer that needs no vocabulary file.
import { sentences } from './text.js';

export interface Chunk {
  index: number;
  text: string;
  tokens: number;
}

const countTokens = (s: string): number => (s.trim() ? s.trim().split(/\s+/).length : 0);

export function chunkText(text: string, targetTokens: number): Chunk[] {
  const pieces: string[] = [];
  for (const s of sentences(text)) {
    const ws = s.split(' ');
    for (let i = 0; i < ws.length; i += targetTokens) pieces.push(ws.slice(i, i + targetTokens).join(' '));
  }
  const chunks: Chunk[] = [];
  let current: string[] = [];
  let size = 0;
  const flush = () => {
    if (current.length) chunks.push({ index: chunks.length, text: current.join(' '), tokens: size });
    current = [];
    size = 0;
  };
  for (const p of pieces) {
    const n = countTokens(p);
    if (size + n > targetTokens) flush();
    current.push(p);
    size += n;
  }
  flush();
  return chunks;
}
