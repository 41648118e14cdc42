// Server-Sent Events, read the way the WHATWG HTML standard's event-stream parser reads them: lines
// end in CRLF, LF or CR; `:` starts a comment; `data` lines join with LF; `id` sets the last event id
// (kept across events, for Last-Event-ID); `retry` sets the reconnection delay; an event ends at a
// blank line and one cut off by the end of the stream is dropped. Web-standard (streams, TextDecoder).
// Each event's data is bounded: a stream that sends more than `maxEventChars` characters (UTF-16 code
// units, never more than its UTF-8 bytes) in one event or one line is refused.

export interface SseEvent {
  /** The `event` field, 'message' when absent. */
  event: string;
  data: string;
  /** The last event id seen on this stream so far ('' when none). */
  lastEventId: string;
}

export class SseEventTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`an event on the stream is longer than ${limit} characters`);
  }
}

export interface SseState {
  lastEventId: string;
  /** The server's `retry` field in milliseconds, when it sent one. */
  retryMs: number | undefined;
}

/** Reads `body` to its end, yielding each complete event that carries data. */
export async function* readSse(body: ReadableStream<Uint8Array>, state: SseState, maxEventChars: number): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let pending = ''; // text after the last line break
  let skipLf = false; // the previous chunk ended in CR: a leading LF belongs to that line break
  let data = '';
  let hasData = false;
  let type = '';
  const field = (line: string): SseEvent | undefined => {
    if (line === '') {
      const ev = hasData ? { event: type || 'message', data: data.endsWith('\n') ? data.slice(0, -1) : data, lastEventId: state.lastEventId } : undefined;
      data = '';
      hasData = false;
      type = '';
      return ev;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') {
      data += value + '\n';
      hasData = true;
      if (data.length > maxEventChars) throw new SseEventTooLargeError(maxEventChars);
    } else if (name === 'event') type = value;
    else if (name === 'id') {
      if (!value.includes('\u0000')) state.lastEventId = value;
    } else if (name === 'retry') {
      if (/^\d+$/.test(value)) state.retryMs = Number(value);
    }
    return undefined;
  };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let chunk = decoder.decode(value, { stream: true });
      if (!chunk) continue;
      if (skipLf && chunk.startsWith('\n')) chunk = chunk.slice(1);
      skipLf = false;
      let start = 0; // of the current line in `pending`
      let i = pending.length; // the text before was scanned already: no line break in it
      pending += chunk;
      for (; i < pending.length; i++) {
        const c = pending.charCodeAt(i);
        if (c !== 10 && c !== 13) continue;
        const ev = field(pending.slice(start, i));
        if (ev) yield ev;
        if (c === 13) {
          if (i + 1 === pending.length) skipLf = true;
          else if (pending.charCodeAt(i + 1) === 10) i++;
        }
        start = i + 1;
      }
      pending = pending.slice(start);
      if (pending.length > maxEventChars) throw new SseEventTooLargeError(maxEventChars); // one endless line
    }
  } finally {
    // Also when the reader stops early (its request answered): the stream is released, not left open.
    await reader.cancel().catch(() => undefined);
  }
}
