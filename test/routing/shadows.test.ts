// pyhall's shadow detector semantics (BEHAVIOR.md §6), reproduced once per rule set.
import { describe, expect, it } from 'vitest';
import { referenceShadows } from '../../src/index.js';

const shadows = (...matches: unknown[]) => referenceShadows(matches.map((match, i) => ({ ruleId: `r${i}`, match })));
/** The shadowed ids, or undefined when the detector failed (then `.ok` is the thing to check). */
const shadowIds = (...matches: unknown[]) => {
  const r = shadows(...matches);
  return r.ok ? r.ids : undefined;
};

describe('referenceShadows', () => {
  it('flags identical matches only when the ids differ, using Python equality', () => {
    expect(shadows({ env: 1 }, { env: true })).toEqual({ ok: true, ids: ['r1'] });
    expect(referenceShadows([{ ruleId: 'same', match: { env: 'dev' } }, { ruleId: 'same', match: { env: 'dev' } }])).toEqual({ ok: true, ids: [] });
  });

  it('treats a broader earlier rule as a shadow and an earlier narrower one as fine', () => {
    expect(shadowIds({}, { env: 'prod' })).toEqual(['r1']);
    expect(shadowIds({ env: 'prod' }, {})).toEqual([]);
    expect(shadowIds({ env: { in: ['prod', 'edge'] } }, { env: 'prod' })).toEqual(['r1']);
    expect(shadowIds({ env: { in: ['prod', 'edge'] } }, { env: { in: ['edge'] } })).toEqual(['r1']);
    expect(shadowIds({ env: 'prod' }, { env: { in: ['prod'] } })).toEqual([]); // the reference misses this one
    expect(shadowIds({ env: { in: ['prod'] } }, { env: { any: true } })).toEqual([]);
  });

  it('inspects every key (constraints on ignored keys hide shadows) and keeps duplicates', () => {
    expect(shadowIds({ tenant_id: 'x' }, { env: 'prod' })).toEqual([]);
    expect(shadowIds({}, {}, { env: 'dev' })).toEqual(['r1', 'r2', 'r2']);
  });

  it('reads a string "in" as a character set, and fails on unhashable values', () => {
    expect(shadowIds({ env: { in: 'prod' } }, { env: 'p' })).toEqual(['r1']);
    expect(shadows({ env: { in: [['prod']] } }, { env: 'dev' }).ok).toBe(false);
    expect(shadows({ env: { in: ['dev'] } }, { env: { in: ['x', ['y']] } }).ok).toBe(false);
    expect(shadows({ env: { in: null } }, { env: 'dev' }).ok).toBe(false);
  });
});

describe('referenceShadows index', () => {
  it('agrees with a plain all-pairs scan on random rule sets', () => {
    const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
    const anyTrue = (c: unknown) => isObj(c) && c.any === true;
    const eq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const covers = (a: unknown, b: unknown): boolean => {
      if (a === undefined || a === null || anyTrue(a) || eq(a, b)) return true;
      if (isObj(a) && Array.isArray(a.in)) {
        if (typeof b === 'string') return (a.in as unknown[]).includes(b);
        if (isObj(b) && Array.isArray(b.in)) return (b.in as unknown[]).every((x) => (a.in as unknown[]).includes(x));
      }
      return false;
    };
    const naive = (ms: Record<string, unknown>[]) => {
      const ids: string[] = [];
      for (let i = 0; i < ms.length; i++)
        for (let j = i + 1; j < ms.length; j++) {
          const a = ms[i]!;
          const b = ms[j]!;
          const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
          const identical = keys.size === Object.keys(a).length && [...keys].every((k) => eq(a[k], b[k])) && Object.keys(a).length === Object.keys(b).length;
          if (identical) ids.push(`r${j}`);
          else if ([...keys].every((k) => (b[k] == null ? a[k] == null || anyTrue(a[k]) : covers(a[k], b[k])))) ids.push(`r${j}`);
        }
      return ids;
    };
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const caps = ['cap.a.b', 'cap.c.d', 'cap.e.f'];
    const envs = ['dev', 'prod', 'edge'];
    const cond = (vals: string[]) => {
      switch (rnd(5)) {
        case 0:
          return undefined;
        case 1:
          return { any: true };
        case 2:
          return { in: [vals[rnd(vals.length)], vals[rnd(vals.length)]] };
        default:
          return vals[rnd(vals.length)];
      }
    };
    for (let round = 0; round < 200; round++) {
      const ms = Array.from({ length: 2 + rnd(12) }, () => {
        const m: Record<string, unknown> = {};
        const c = cond(caps);
        const e = cond(envs);
        if (c !== undefined) m.capability_id = c;
        if (e !== undefined) m.env = e;
        return m;
      });
      expect(shadows(...ms)).toEqual({ ok: true, ids: naive(ms) });
    }
  });
});
