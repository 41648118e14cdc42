// SHA-256 of each chunk (UTF-8), plus one digest over the whole ordered set so a registrar can name
// the document's chunking with a single value.
import { sha256Hex } from '../../src/util/sha256.js';

export interface ChunkHashes {
  algorithm: 'sha256';
  hashes: string[];
  /** SHA-256 of the hex hashes joined by "\n" (order matters). */
  set_sha256: string;
}

/** The digest of an ordered list of hex hashes. */
export const setDigest = (hashes: string[]): string => sha256Hex(hashes.join('\n'));

export function hashChunks(chunks: string[]): ChunkHashes {
  const hashes = chunks.map((c) => sha256Hex(c));
  return { algorithm: 'sha256', hashes, set_sha256: setDigest(hashes) };
}
