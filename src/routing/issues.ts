// zod issues → ValidationIssue[] with the path down to the offending key or list index.
// - unrecognized_keys becomes one issue per key, its path ending in the key (`rules.0.mach`), with a
//   "did you mean" hint when a known key is one or two edits away;
// - invalid_union is resolved to the branch the value was meant for: branches that failed on the
//   value's type itself are dropped, then the branch whose problem lies deepest wins (so
//   `{"in": ["dev", "production"]}` reports `env.in.1`, not "invalid input" at `env`).
import type { ValidationIssue } from '../util/errors.js';
import { editDistance } from '../util/edit-distance.js';

export interface ZodIssueLike {
  code?: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  errors?: ZodIssueLike[][];
  expected?: string;
}

/** The known key closest to `key` (case-insensitive equal, or at most 2 edits), if any. */
export function closestKey(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const k of known) {
    if (k === key) continue;
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k, 2);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

const depth = (branch: ZodIssueLike[]): number => Math.max(0, ...branch.map((i) => i.path.length));
const failsOnType = (branch: ZodIssueLike[]): boolean => branch.some((i) => i.path.length === 0 && i.code === 'invalid_type');

const toPath = (p: readonly PropertyKey[]): (string | number)[] => p.map((x) => (typeof x === 'number' ? x : String(x)));

export function flattenZodIssues(
  issues: readonly ZodIssueLike[],
  knownKeys: readonly string[] = [],
  base: readonly PropertyKey[] = [],
): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const i of issues) {
    const path = [...base, ...i.path];
    if (i.code === 'unrecognized_keys' && i.keys?.length) {
      for (const k of i.keys) {
        const hint = closestKey(k, knownKeys);
        out.push({
          path: toPath([...path, k]),
          message: `unknown key "${k}"${hint ? ` (did you mean "${hint}"?)` : ''}: remove it or fix its name`,
          code: 'unrecognized_keys',
        });
      }
    } else if (i.code === 'invalid_union' && i.errors?.length) {
      const fitting = i.errors.filter((b) => b.length > 0 && !failsOnType(b));
      if (fitting.length === 0) {
        const expected = [...new Set(i.errors.flatMap((b) => b.map((x) => x.expected).filter((x): x is string => !!x)))];
        out.push({
          path: toPath(path),
          message: expected.length ? `expected ${expected.join(' or ')}` : i.message,
          code: 'invalid_type',
        });
      } else {
        let pick = fitting[0]!;
        for (const b of fitting) if (depth(b) > depth(pick)) pick = b;
        out.push(...flattenZodIssues(pick, knownKeys, path));
      }
    } else {
      out.push({ path: toPath(path), message: i.message, ...(i.code ? { code: i.code } : {}) });
    }
  }
  return out;
}
