// Shared test helpers: the public vectors and a comparator for expected decisions
// ("<any>" = any string; numbers compare numerically; object key order is irrelevant).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface RoutingCase {
  id: string;
  tags: string[];
  expected: Record<string, unknown>;
  expected_calls: [string, unknown[]][];
  expected_warnings: [string, string][];
  [k: string]: unknown;
}

export const cases: RoutingCase[] = JSON.parse(
  readFileSync(fileURLToPath(new URL('./vectors/cases.json', import.meta.url)), 'utf8'),
);

/** Tags whose Python-specific expectations edgehall does not have to reproduce. */
export const DEVIATION_TAGS = /^(python_|pydantic_lax_coercion$|reference_raises$|artifact_hash_(python_float_repr|integral_float|bigint)$)/;

export const isTagged = (c: RoutingCase): boolean => c.tags.some((t) => DEVIATION_TAGS.test(t));

export function diff(actual: unknown, expected: unknown, path = '$', out: string[] = []): string[] {
  if (expected === '<any>') {
    if (typeof actual !== 'string') out.push(`${path}: expected a string, got ${JSON.stringify(actual)}`);
    return out;
  }
  if (typeof expected === 'number' || expected === null || typeof expected !== 'object') {
    if (actual !== expected) out.push(`${path}: ${JSON.stringify(actual)} !== ${JSON.stringify(expected)}`);
    return out;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      out.push(`${path}: ${JSON.stringify(actual)} !== ${JSON.stringify(expected)}`);
      return out;
    }
    expected.forEach((e, i) => diff(actual[i], e, `${path}[${i}]`, out));
    return out;
  }
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
    out.push(`${path}: expected an object, got ${JSON.stringify(actual)}`);
    return out;
  }
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  for (const k of new Set([...Object.keys(a), ...Object.keys(e)])) {
    if (!(k in e)) out.push(`${path}.${k}: unexpected key`);
    else if (!(k in a)) out.push(`${path}.${k}: missing`);
    else diff(a[k], e[k], `${path}.${k}`, out);
  }
  return out;
}
