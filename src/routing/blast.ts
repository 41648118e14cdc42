// The blast score (BEHAVIOR.md §7 and step 4): pyhall's 0-100 heuristic, raised (never lowered) by
// the caller's score and, in trusted-facts mode, by the selected worker's record score.
import { pyTruthy } from './pyfns.js';
import type { RouteInput } from './schemas.js';

/** At or above this score a prod/edge request needs a human (DENY_REQUIRES_HUMAN). */
export const BLAST_THRESHOLD = 85;

export const isProdOrEdge = (env: string): boolean => env === 'prod' || env === 'edge';

/** pyhall's 0-100 blast heuristic (BEHAVIOR.md §7), before the caller's score is applied. */
export function blastHeuristic(input: Pick<RouteInput, 'env' | 'data_label' | 'qos_class' | 'request'>): number {
  let s = 10;
  if (input.data_label === 'INTERNAL') s += 20;
  else if (input.data_label === 'RESTRICTED') s += 40;
  if (isProdOrEdge(input.env)) s += 15;
  if (input.qos_class === 'P0') s += 10;
  const r = input.request as Record<string, unknown> | undefined;
  if (r) {
    if (pyTruthy(r.egress) || pyTruthy(r.external_call)) s += 15;
    if (pyTruthy(r.writes) || pyTruthy(r.mutates_state)) s += 15;
  }
  return s > 100 ? 100 : s;
}

/** A record blast score as the Hall uses it: an integer 0-100, anything else none. */
export function heldScore(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100 ? v : null;
}

/**
 * The blast score in trusted-facts mode: pyhall's heuristic, raised by the caller's score and by the
 * worker record's score (neither can lower it).
 */
export function trustedBlastScore(
  input: Pick<RouteInput, 'env' | 'data_label' | 'qos_class' | 'request' | 'blast_score'>,
  held: number | null | undefined,
): number {
  let s = blastHeuristic(input);
  const bs = input.blast_score;
  if (bs !== null && bs !== undefined && bs > s) s = bs;
  if (held !== null && held !== undefined && held > s) s = held;
  return s;
}
