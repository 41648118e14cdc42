// Request bodies are read with a byte cap enforced while reading: Content-Length is checked first
// as a cheap early refusal, but never trusted on its own (it can be absent or lie).
import type { z } from 'zod';
import { flattenZodIssues } from '../../src/routing/issues.js';
import { concatBytes } from '../../src/util/bytes.js';
import { HallHttpError, type ProblemIssue } from './problem.js';

export const DEFAULT_JSON_LIMIT = 64 * 1024;

function tooLarge(limit: number): HallHttpError {
  return new HallHttpError(413, 'BODY_TOO_LARGE', `The request body exceeds ${limit} bytes. Send a smaller body.`, { limit_bytes: limit });
}

/** Reads the whole body (at most `limit` bytes) into memory. For small JSON bodies only. */
export async function readBodyCapped(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}

export const MAX_JSON_DEPTH = 64;

/** True when arrays/objects nest deeper than `max` (checked without recursion). */
export function jsonTooDeep(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
  return false;
}

/**
 * Parses a capped body as JSON (strict UTF-8, nesting at most MAX_JSON_DEPTH). Any content type is
 * accepted: the body is JSON or it is refused.
 */
export async function readJson(request: Request, limit = DEFAULT_JSON_LIMIT): Promise<unknown> {
  const bytes = await readBodyCapped(request, limit);
  if (bytes.length === 0) throw new HallHttpError(400, 'INVALID_JSON', 'The request body is empty. Send a JSON document.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new HallHttpError(400, 'INVALID_JSON', 'The request body is not valid UTF-8. Send UTF-8 encoded JSON.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HallHttpError(400, 'INVALID_JSON', 'The request body is not valid JSON. Check the syntax and resend.');
  }
  if (jsonTooDeep(value)) {
    throw new HallHttpError(400, 'INVALID_JSON', `The request body nests deeper than ${MAX_JSON_DEPTH} levels. Flatten it and resend.`);
  }
  return value;
}

/** Every problem with its path (an unknown key's path ends in the key; a union names the branch meant). */
export function zodIssues(error: z.ZodError): ProblemIssue[] {
  return flattenZodIssues(error.issues)
    .slice(0, 50)
    .map((i) => ({ path: i.path, message: i.message }));
}

/** Validates `value` against `schema`; every problem is listed in the 400 response. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string, code = 'INVALID_INPUT'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = zodIssues(result.error);
  const first = issues[0];
  const where = first ? ` First problem at ${first.path.length ? first.path.join('.') : '(root)'}: ${first.message}.` : '';
  throw new HallHttpError(400, code, `${what} is invalid (${result.error.issues.length} problem${result.error.issues.length === 1 ? '' : 's'}).${where} Fix the listed fields and retry.`, { issues });
}

/** Query parameters as a plain object; a repeated parameter is refused rather than guessed at. */
export function queryObject(url: URL): Record<string, string> {
  const seen = new Map<string, string>();
  for (const [k, v] of url.searchParams) {
    if (seen.has(k)) throw new HallHttpError(400, 'INVALID_QUERY', `The query parameter "${k.slice(0, 64)}" is repeated. Send it once.`);
    seen.set(k, v);
  }
  // fromEntries defines own properties, so a parameter named __proto__ cannot touch the prototype.
  return Object.fromEntries(seen);
}

/** A path parameter, percent-decoded; malformed encodings are a 400, not a crash. */
export function pathParam(params: Record<string, string>, name: string): string {
  const raw = params[name] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HallHttpError(400, 'INVALID_PATH', `The ${name} in the path is not valid percent-encoding. Encode it with encodeURIComponent.`);
  }
}
