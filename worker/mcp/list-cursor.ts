// The opaque tools/list cursor: the last capability id of the previous page, base64url JSON. Ids
// are listed in code-point order, so "after this id" stays meaningful while workers come and go.
// Anything that does not decode to exactly that shape is an invalid cursor (-32602).
import { z } from 'zod';
import { decodeUtf8Strict, fromBase64Url, toBase64Url, utf8 } from '../../src/util/index.js';
import { INVALID_PARAMS, McpRpcError } from './jsonrpc.js';

const MAX_CURSOR_LENGTH = 1024;
const CursorSchema = z.object({ v: z.literal(1), after: z.string().min(1).max(256) }).strict();

export function encodeCursor(after: string): string {
  return toBase64Url(utf8(JSON.stringify({ v: 1, after })));
}

function invalidCursor(): McpRpcError {
  return new McpRpcError(INVALID_PARAMS, 'Invalid cursor: pass the nextCursor of a previous tools/list result unchanged, or omit it to start from the first page.');
}

/** The capability id a cursor continues after; undefined when no cursor was given. */
export function decodeCursor(cursor: unknown): string | undefined {
  if (cursor === undefined) return undefined;
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) throw invalidCursor();
  try {
    const parsed = CursorSchema.safeParse(JSON.parse(decodeUtf8Strict(fromBase64Url(cursor))));
    if (parsed.success) return parsed.data.after;
  } catch {
    // falls through to the refusal
  }
  throw invalidCursor();
}

/**
 * One page of `ids` (sorted) after `after`: each id is kept when `pick` returns an item; scanning
 * stops once `size` items are kept. `next` is the cursor of the following page, if any ids remain.
 */
export function pageAfter<T>(ids: readonly string[], after: string | undefined, size: number, pick: (id: string) => T | null): { items: T[]; next: string | undefined } {
  let i = 0;
  if (after !== undefined) while (i < ids.length && ids[i]! <= after) i++;
  const items: T[] = [];
  let last: string | undefined;
  for (; i < ids.length && items.length < size; i++) {
    const item = pick(ids[i]!);
    last = ids[i]!;
    if (item !== null) items.push(item);
  }
  return { items, next: i < ids.length && last !== undefined ? encodeCursor(last) : undefined };
}
