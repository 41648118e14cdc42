import { describe, expect, it } from 'vitest';
import { canonicalJson, compareCodePoints, pyFloatRepr, pyJsonDumps, pyJsonDumpsCompact, sha256Hex } from '../../src/util/index.js';

describe('pyJsonDumps (Python json.dumps, sort_keys, ensure_ascii)', () => {
  it('reproduces the artifact_hash preimage of allow.hello_dev', () => {
    const input = {
      capability_id: 'cap.hello.greet', correlation_id: '550e8400-e29b-41d4-a716-446655440000',
      data_label: 'PUBLIC', env: 'dev', qos_class: 'P2', tenant_id: 'test-tenant', tenant_risk: 'low',
      request: {}, blast_radius: null, blast_score: null, privilege_context: null, dry_run: false, tenant_credential: null,
    };
    expect(sha256Hex(pyJsonDumps(input))).toBe('4de02fbb66432a223f00d5b1fb575e67f011d57e35a54acc814596fc14b97296');
  });
  it('escapes non-ASCII as \\uXXXX with surrogate pairs and keeps / raw', () => {
    expect(pyJsonDumps({ 'é': '\u{1F600}\x7f/<&>' })).toBe('{"\\u00e9": "\\ud83d\\ude00\\u007f/<&>"}');
    expect(pyJsonDumpsCompact({ b: [1, 2], a: null })).toBe('{"a":null,"b":[1,2]}');
  });
  it('sorts keys by code point, not UTF-16 unit', () => {
    expect(['\u{1F600}', '\uFF01', 'a'].sort(compareCodePoints)).toEqual(['a', '\uFF01', '\u{1F600}']);
  });
  it('formats floats like Python repr', () => {
    expect([0.5, 1e-7, 1.5e300, 0.0001, -2.5e-5, 1e22].map(pyFloatRepr)).toEqual(['0.5', '1e-07', '1.5e+300', '0.0001', '-2.5e-05', '1e+22']);
  });
  it('prints integral numbers as Python ints, safe or not', () => {
    const ints = [0, -0, 12, -7, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 53 + 2, 1e21, -1e22, 2 ** 70];
    expect(pyJsonDumps(ints)).toBe(
      '[0, 0, 12, -7, 9007199254740991, -9007199254740991, 9007199254740992, 9007199254740994, ' +
        '1000000000000000000000, -10000000000000000000000, 1180591620717411303424]',
    );
  });
});

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys by UTF-16 unit and serialises compactly', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], '\uFF01': 1, '\u{1F600}': 2 })).toBe('{"a":[true,null,"x"],"b":1,"😀":2,"！":1}');
  });
  it('refuses non-finite numbers', () => {
    expect(() => canonicalJson({ a: Infinity })).toThrow();
  });
});
