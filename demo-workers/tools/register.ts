// Registration in a research collection: the registration id is derived from what is registered
// (the same collection, URL and chunk hashes always get the same id — the record declares
// idempotency "full"). The demo keeps no store; the id and the Hall's receipt are the evidence.
import { sha256Hex } from '../../src/util/sha256.js';
import { canonicalJson } from '../../src/util/jcs.js';
import { setDigest } from './hash.js';

export interface RegisterInput {
  collection: string;
  url: string;
  chunk_hashes: string[];
  vector_count?: number | undefined;
}

export interface Registration {
  registration_id: string;
  collection: string;
  url: string;
  chunks: number;
  /** Equal to the hasher's set_sha256 for the same chunks: ties the registration to that step. */
  chunk_set_sha256: string;
  /** When the Hall allowed the call (the receipt's dispatched_at): the registration's time. */
  registered_at: string;
  decision_id: string;
}

export function register(input: RegisterInput, allowed: { dispatchedAt: string; decisionId: string }): Registration {
  const key = canonicalJson({ collection: input.collection, url: input.url, chunk_hashes: input.chunk_hashes });
  return {
    registration_id: `reg_${sha256Hex(key).slice(0, 32)}`,
    collection: input.collection,
    url: input.url,
    chunks: input.chunk_hashes.length,
    chunk_set_sha256: setDigest(input.chunk_hashes),
    registered_at: allowed.dispatchedAt,
    decision_id: allowed.decisionId,
  };
}
