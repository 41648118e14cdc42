// Python `json.dumps` emulation, byte for byte, for the hashes pyhall computes:
//   artifact_hash:        json.dumps(obj, sort_keys=True)                    (", " / ": ")
//   awp.v1 manifest HMAC: json.dumps(obj, sort_keys=True, separators=(",", ":"))
// Both use ensure_ascii=True. Keys are sorted by Unicode code point, as Python sorts str.

export interface PyJsonOptions {
  /** Separator between items; Python's default is ", ". */
  itemSeparator?: string;
  /** Separator between a key and its value; Python's default is ": ". */
  keySeparator?: string;
}

/** Orders strings by Unicode code point (Python), not by UTF-16 code unit (JavaScript's default). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (U+D800-DFFF) stands for a code point above U+FFFF, so it outranks U+E000-FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x08: '\\b',
  0x0c: '\\f',
};

/** A JSON string literal with every non-ASCII UTF-16 unit as \uXXXX (Python's ensure_ascii). */
export function pyJsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, i);
    out += SHORT_ESCAPES[c] ?? '\\u' + c.toString(16).padStart(4, '0');
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

/** Python `repr(float)`: shortest round-trip digits; exponent form below 1e-4 or from 1e16. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const frac = digits.slice(1);
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${digits[0]}${frac ? '.' + frac : ''}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const fracPart = digits.slice(exp + 1);
  return `${sign}${intPart}.${fracPart || '0'}`;
}

/**
 * A JSON number as Python prints it. Integral values print as Python ints (JSON.parse cannot
 * tell `2` from `2.0`; pyhall vectors tagged `artifact_hash_integral_float` depend on that).
 */
export function pyJsonNumber(n: number): string {
  // Safe integers print the same digits either way; String() avoids a BigInt per number.
  if (Number.isSafeInteger(n)) return Object.is(n, -0) ? '0' : String(n);
  if (Number.isInteger(n)) return BigInt(n).toString();
  return pyFloatRepr(n);
}

export function pyJsonDumps(value: unknown, options: PyJsonOptions = {}): string {
  const itemSep = options.itemSeparator ?? ', ';
  const keySep = options.keySeparator ?? ': ';
  const write = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') return pyJsonNumber(v);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'string') return pyJsonString(v);
    if (Array.isArray(v)) return '[' + v.map(write).join(itemSep) + ']';
    if (typeof v === 'object') {
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(compareCodePoints);
      return '{' + keys.map((k) => pyJsonString(k) + keySep + write(obj[k])).join(itemSep) + '}';
    }
    throw new TypeError(`cannot serialise a ${typeof v} as JSON`);
  };
  return write(value);
}

/** `json.dumps(obj, sort_keys=True, separators=(",", ":"))`: pyhall's compact signing form. */
export function pyJsonDumpsCompact(value: unknown): string {
  return pyJsonDumps(value, { itemSeparator: ',', keySeparator: ':' });
}
