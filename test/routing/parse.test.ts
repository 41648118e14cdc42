// parseRouteInput's fast path must accept exactly what RouteInputSchema accepts and return the same value.
import { describe, expect, it } from 'vitest';
import { RouteInputSchema, ValidationError, parseRouteInput } from '../../src/index.js';
import { cases } from './helpers.js';
import { input } from './fixtures.js';

const variants: unknown[] = [
  input,
  { ...input, request: { a: [1, { b: 2 }] }, blast_score: 40, dry_run: true, tenant_credential: 'tok', policy_version: 'x' },
  { ...input, blast_radius: { data: 1 }, privilege_context: {}, blast_score: null, tenant_credential: null },
  { ...input, blast_score: 2 ** 60 },
  { ...input, blast_score: -0 },
  { ...input, request: Object.create(null) },
  { ...input, request: new Date() },
  { ...input, request: null },
  { ...input, tenant_id: '\ufeff' },
  { ...input, tenant_id: '\u00a0\u3000' },
  { ...input, correlation_id: '' },
  { ...input, dry_run: undefined },
  null,
  [],
  'x',
];

describe('parseRouteInput', () => {
  it('agrees with RouteInputSchema on every vector input and hand-picked edge cases', () => {
    const inputs = [...variants, ...cases.map((c) => c.input)];
    for (const v of inputs) {
      const z = RouteInputSchema.safeParse(v);
      let mine: unknown;
      let threw: unknown = null;
      try {
        mine = parseRouteInput(v);
      } catch (e) {
        threw = e;
      }
      if (z.success) {
        expect(threw).toBeNull();
        expect(mine).toEqual(z.data);
      } else {
        expect(threw).toBeInstanceOf(ValidationError);
        expect((threw as ValidationError).issues.length).toBe(z.error.issues.length);
      }
    }
  });
});
