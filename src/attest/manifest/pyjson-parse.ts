// A JSON reader that keeps what Python's `json.loads` keeps and JSON.parse loses, so a manifest
// is re-serialised for its HMAC exactly as pyhall does:
//   - integers stay exact (bigint) and distinct from floats (`1.0` is signed as `1.0`, not `1`);
//   - NaN / Infinity / -Infinity are accepted (Python's default);
//   - duplicate keys: the last value wins, in the first key's position (a Python dict);
//   - strict strings: raw control characters are errors; lone surrogate escapes are kept;
//   - a leading U+FEFF is an error ("Unexpected UTF-8 BOM"), whitespace is only [ \t\n\r].
// Anything Python would fail to load throws PyJsonSyntaxError (the verifier maps that to
// ATTEST_MANIFEST_MISSING, as pyhall does).
import { compareCodePoints, pyFloatRepr, pyJsonString } from '../../util/pyjson.js';

export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyJson = null | boolean | string | bigint | PyFloat | PyJson[] | PyDict;
export type PyDict = Map<string, PyJson>;

export class PyJsonSyntaxError extends Error {
  constructor(message: string, readonly pos: number) {
    super(`${message} at offset ${pos}`);
    this.name = 'PyJsonSyntaxError';
  }
}

// CPython's recursion limit is ~1000 frames; refusing deeper documents keeps us bounded.
const MAX_DEPTH = 500;
// Python 3.11+ refuses int() of more than 4300 digits (sys.int_info.str_digits_check_threshold).
const MAX_INT_DIGITS = 4300;

export function parsePyJson(text: string): PyJson {
  if (text.charCodeAt(0) === 0xfeff) throw new PyJsonSyntaxError('Unexpected UTF-8 BOM', 0);
  let i = 0;
  const n = text.length;
  const fail = (msg: string): never => {
    throw new PyJsonSyntaxError(msg, i);
  };
  const ws = (): void => {
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    }
  };
  const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

  const parseString = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      if (i >= n) fail('Unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('Invalid control character');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(start, i);
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\uXXXX escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          i -= 2;
          fail('Invalid \\escape');
      }
      start = i;
    }
  };

  const parseNumber = (): bigint | PyFloat => {
    const begin = i;
    if (text[i] === '-') i++;
    const c = text.charCodeAt(i);
    if (c === 0x30) i++;
    else if (c >= 0x31 && c <= 0x39) while (i < n && isDigit(text.charCodeAt(i))) i++;
    else {
      i = begin;
      fail('Expecting value');
    }
    let isFloat = false;
    if (text[i] === '.' && isDigit(text.charCodeAt(i + 1))) {
      isFloat = true;
      i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      let j = i + 1;
      if (text[j] === '+' || text[j] === '-') j++;
      if (isDigit(text.charCodeAt(j))) {
        while (j < n && isDigit(text.charCodeAt(j))) j++;
        isFloat = true;
        i = j;
      }
    }
    const lexeme = text.slice(begin, i);
    if (isFloat) return new PyFloat(Number(lexeme));
    if (lexeme.replace('-', '').length > MAX_INT_DIGITS) fail('Exceeds the limit for integer string conversion');
    return BigInt(lexeme);
  };

  const literal = (word: string, value: PyJson): PyJson => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail('Expecting value');
  };

  const parseValue = (depth: number): PyJson => {
    if (depth > MAX_DEPTH) fail('Document nested too deeply');
    const ch = text[i];
    switch (ch) {
      case '"':
        return parseString();
      case '{': {
        i++;
        const obj: PyDict = new Map();
        ws();
        if (text[i] === '}') {
          i++;
          return obj;
        }
        for (;;) {
          if (text[i] !== '"') fail('Expecting property name enclosed in double quotes');
          const key = parseString();
          ws();
          if (text[i] !== ':') fail("Expecting ':' delimiter");
          i++;
          ws();
          obj.set(key, parseValue(depth + 1));
          ws();
          if (text[i] === '}') {
            i++;
            return obj;
          }
          if (text[i] !== ',') fail("Expecting ',' delimiter");
          i++;
          ws();
        }
      }
      case '[': {
        i++;
        const arr: PyJson[] = [];
        ws();
        if (text[i] === ']') {
          i++;
          return arr;
        }
        for (;;) {
          arr.push(parseValue(depth + 1));
          ws();
          if (text[i] === ']') {
            i++;
            return arr;
          }
          if (text[i] !== ',') fail("Expecting ',' delimiter");
          i++;
          ws();
        }
      }
      case 'n':
        return literal('null', null);
      case 't':
        return literal('true', true);
      case 'f':
        return literal('false', false);
      case 'N':
        return literal('NaN', new PyFloat(NaN));
      case 'I':
        return literal('Infinity', new PyFloat(Infinity));
      case '-':
        if (text.startsWith('-Infinity', i)) return literal('-Infinity', new PyFloat(-Infinity));
        return parseNumber();
      default:
        return parseNumber();
    }
  };

  ws();
  const value = parseValue(0);
  ws();
  if (i !== n) fail('Extra data');
  return value;
}

export function isPyDict(v: PyJson | undefined): v is PyDict {
  return v instanceof Map;
}

/** Python truthiness of a JSON value (`if not sig:`). */
export function pyTruthy(v: PyJson | undefined): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (v instanceof PyFloat) return v.value !== 0; // NaN is truthy, as in Python
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

/** `json.dumps(v, sort_keys=True, separators=(',', ':'))` of a parsed value, ensure_ascii on. */
export function pyDumpsCompact(v: PyJson | undefined): string {
  if (v === undefined || v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return pyJsonString(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (Array.isArray(v)) return '[' + v.map(pyDumpsCompact).join(',') + ']';
  const keys = [...v.keys()].sort(compareCodePoints);
  return '{' + keys.map((k) => pyJsonString(k) + ':' + pyDumpsCompact(v.get(k))).join(',') + '}';
}

// Python's str.isprintable(): everything but categories Cc Cf Cs Co Cn Zl Zp Zs (space is printable).
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

function pyReprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x7f || (ch !== ' ' && !NON_PRINTABLE.test(ch))) out += ch;
    else if (cp < 0x100) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + quote;
}

function pyFloatStr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return pyFloatRepr(x);
}

function pyRepr(v: PyJson | undefined): string {
  if (v === undefined || v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return pyReprString(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof PyFloat) return pyFloatStr(v.value);
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  return '{' + [...v].map(([k, x]) => pyReprString(k) + ': ' + pyRepr(x)).join(', ') + '}';
}

/** Python `str(v)` (what an f-string prints) for a parsed JSON value. */
export function pyStr(v: PyJson | undefined): string {
  return typeof v === 'string' ? v : pyRepr(v);
}
