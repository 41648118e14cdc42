// The few Python semantics pyhall's untagged behaviour depends on, written out so the
// engine can reproduce them exactly (and nothing more).
import { pyFloatRepr } from '../util/pyjson.js';

// Python's str.isspace() set: differs from JS trim() (\x1c-\x1f and \x85 are whitespace, \ufeff is not).
const PY_SPACE =
  /^[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** True for "" and strings made only of Python whitespace (`not s.strip()`). */
export function isPyBlank(s: string): boolean {
  return PY_SPACE.test(s);
}

/** Python truth test for JSON values. */
export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') {
    for (const _ in v as object) return true;
    return false;
  }
  return true;
}

/** Python `==` between JSON values (1 == 1.0 == True, dicts by key set and values). */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const an = typeof a === 'number' || typeof a === 'boolean';
  const bn = typeof b === 'number' || typeof b === 'boolean';
  if (an || bn) return an && bn && Number(a) === Number(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEq(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  for (const k of ak) if (!Object.hasOwn(bo, k) || !pyEq(ao[k], bo[k])) return false;
  return true;
}

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x7f) out += ch;
    else if (cp !== 0x20 && NON_PRINTABLE.test(ch)) {
      if (cp <= 0xff) out += '\\x' + cp.toString(16).padStart(2, '0');
      else if (cp <= 0xffff) out += '\\u' + cp.toString(16).padStart(4, '0');
      else out += '\\U' + cp.toString(16).padStart(8, '0');
    } else out += ch;
  }
  return out + quote;
}

/** Python `repr()` of a JSON value (used verbatim in one pyhall deny message). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : pyFloatRepr(v);
  if (typeof v === 'string') return reprString(v);
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return '{' + Object.keys(o).map((k) => reprString(k) + ': ' + pyRepr(o[k])).join(', ') + '}';
  }
  return String(v);
}

/** Python `str()` of a JSON value. */
export function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

// C0 controls and DEL: what pyhall strips from three telemetry fields against log injection.
const C0_DEL = /[\x00-\x1f\x7f]/g;
const HAS_C0_DEL = /[\x00-\x1f\x7f]/;

export function stripControlChars(s: string): string {
  return HAS_C0_DEL.test(s) ? s.replace(C0_DEL, '') : s;
}
