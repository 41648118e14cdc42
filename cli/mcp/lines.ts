// Newline-delimited input with a size limit per line: the stdio side of the MCP bridge. A line longer
// than the limit is not kept in memory; it is skipped to its end and reported as one oversized line,
// so a runaway writer costs the bridge at most `maxLineBytes` of buffer. A trailing CR is dropped
// (CRLF writers); blank lines are skipped; a last line without its newline still counts.

export type InputLine = { text: string } | { tooLong: true; bytes: number } | { invalidUtf8: true };

export async function* readLines(input: AsyncIterable<Uint8Array>, maxLineBytes: number): AsyncGenerator<InputLine> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let parts: Uint8Array[] = [];
  let size = 0;
  let overflow = 0; // bytes of the current line when it is past the limit (0: within it)

  function* finish(): Generator<InputLine> {
    if (overflow) {
      yield { tooLong: true, bytes: overflow };
    } else if (size > 0) {
      const bytes = parts.length === 1 ? parts[0]! : concat(parts, size);
      const end = bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
      let text: string | undefined;
      try {
        text = decoder.decode(bytes.subarray(0, end));
      } catch {
        yield { invalidUtf8: true };
      }
      if (text !== undefined && text.trim() !== '') yield { text };
    }
    parts = [];
    size = 0;
    overflow = 0;
  }

  for await (const chunk of input) {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (overflow) overflow += piece.length;
      else if (size + piece.length > maxLineBytes) {
        overflow = size + piece.length;
        parts = [];
      } else if (piece.length) {
        parts.push(piece.slice()); // a copy: the stream may reuse its buffer
        size += piece.length;
      }
      if (nl === -1) break;
      yield* finish();
      start = nl + 1;
    }
  }
  yield* finish();
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
