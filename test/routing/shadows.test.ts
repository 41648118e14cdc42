// pyhall's shadow detector semantics (BEHAVIOR.md §6), reproduced once per rule set.
import { describe, expect, it } from 'vitest';
import { referenceShadows } from '../../src/index.js';

const shadows = (...matches: unknown[]) => referenceShadows(matches.map((match, i) => ({ ruleId: `r${i}`, match })));

describe('referenceShadows', () => {
  it('flags identical matches only when the ids differ, using Python equality', () => {
    expect(shadows({ env: 1 }, { env: true })).toEqual({ ok: true, ids: ['r1'] });
    expect(referenceShadows([{ ruleId: 'same', match: { env: 'dev' } }, { ruleId: 'same', match: { env: 'dev' } }])).toEqual({ ok: true, ids: [] });
  });

  it('treats a broader earlier rule as a shadow and an earlier narrower one as fine', () => {
    expect(shadows({}, { env: 'prod' }).ids).toEqual(['r1']);
    expect(shadows({ env: 'prod' }, {}).ids).toEqual([]);
    expect(shadows({ env: { in: ['prod', 'edge'] } }, { env: 'prod' }).ids).toEqual(['r1']);
    expect(shadows({ env: { in: ['prod', 'edge'] } }, { env: { in: ['edge'] } }).ids).toEqual(['r1']);
    expect(shadows({ env: 'prod' }, { env: { in: ['prod'] } }).ids).toEqual([]); // the reference misses this one
    expect(shadows({ env: { in: ['prod'] } }, { env: { any: true } }).ids).toEqual([]);
  });

  it('inspects every key (constraints on ignored keys hide shadows) and keeps duplicates', () => {
    expect(shadows({ tenant_id: 'x' }, { env: 'prod' }).ids).toEqual([]);
    expect(shadows({}, {}, { env: 'dev' }).ids).toEqual(['r1', 'r2', 'r2']);
  });

  it('reads a string "in" as a character set, and fails on unhashable values', () => {
    expect(shadows({ env: { in: 'prod' } }, { env: 'p' }).ids).toEqual(['r1']);
    expect(shadows({ env: { in: [['prod']] } }, { env: 'dev' }).ok).toBe(false);
    expect(shadows({ env: { in: ['dev'] } }, { env: { in: ['x', ['y']] } }).ok).toBe(false);
    expect(shadows({ env: { in: null } }, { env: 'dev' }).ok).toBe(false);
  });
});
