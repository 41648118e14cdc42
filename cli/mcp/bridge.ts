// The HTTP side of `edgehall mcp`: each JSON-RPC message from the stdio client becomes one POST to
// the Hall's MCP endpoint (Streamable HTTP), and each JSON-RPC message of the answer — a JSON body or
// an SSE stream — goes back to the client as it arrives. Web-standard fetch and streams only.
//
// What the bridge adds on the way, and nothing more:
//   - Authorization: Bearer <token>; Accept: application/json, text/event-stream
//   - MCP-Protocol-Version: the version the request names in its _meta (stateless MCP, 2026-07-28
//     on), else the one the initialize handshake negotiated (2025 revisions); from 2026-07-28 on also
//     Mcp-Method, Mcp-Name and Mcp-Param-* (cli/mcp/param-headers.ts), mirrored from the body as
//     that revision requires
//   - Mcp-Session-Id: the one the Hall assigned at initialize (2025 revisions), on every later
//     request; a 404 to a request carrying it means the session ended, and the bridge opens a new
//     one with the client's own initialize parameters before sending the request once more; the
//     session is closed with DELETE when stdin ends
//   - an SSE answer that stops before its response is resumed with GET + Last-Event-ID (2025-11-25)
//   - every request gets an answer: when the Hall cannot be reached, refuses the token, fails with an
//     HTTP error, times out or ends without answering, the bridge answers with a JSON-RPC error
//     (cli/mcp/errors.ts) — except after the client cancelled the request itself
// Messages are delivered in the order the client wrote them: a request may overtake a running
// request, but nothing overtakes a notification, a response or an initialize still being delivered.
import { bridgeError, type BridgeErrorCode, type BridgeErrorData, type JsonRpcId } from './errors.js';
import type { InputLine } from './lines.js';
import { cancelledRequest, classify, headerValue, idKey, mirrorsHeaders, negotiatedVersion, ownProtocolVersion, targetName, type Classified, type Message } from './messages.js';
import { ParamHeaders } from './param-headers.js';
import { readSse, SseEventTooLargeError, type SseState } from './sse.js';

export interface BridgeOptions {
  /** The Hall's MCP endpoint, e.g. http://127.0.0.1:8787/mcp. */
  endpoint: string;
  token: string;
  /** The environment variable the token came from (named in error sentences, never the token). */
  tokenEnv: string;
  /** Largest message in either direction (a stdin line in bytes, an answer in characters). */
  maxMessageBytes: number;
  /** Longest wait for one request's answer; 0 waits as long as the Hall takes. */
  timeoutMs: number;
  userAgent: string;
  /** One JSON-RPC message to the client (stdout). */
  send(message: unknown): void;
  /** One sentence for the operator (stderr). */
  log(sentence: string): void;
  fetch?: typeof fetch;
}

interface Exchange {
  /** Request ids (by idKey) this POST still owes an answer for. */
  pending: Map<string, JsonRpcId>;
  abort: AbortController;
  cancelled: boolean;
  /** Ids of this batch the client cancelled: late answers to them are dropped. */
  dropped: Set<string>;
  isInit: boolean;
  /** The method of a single request (undefined for batches). */
  method: string | undefined;
  /** The protocol version its headers named. */
  version: string | undefined;
  /** Where its messages go: the client, or (for the bridge's own requests) a collector. */
  sink(message: Message): void;
}

const ACCEPT = 'application/json, text/event-stream';
/** Consecutive SSE reconnections without a new message before the bridge gives up on a stream. */
const MAX_RESUMES = 3;
/** Bytes of an HTTP error body read for its problem detail or JSON-RPC error. */
const ERROR_BODY_LIMIT = 64 * 1024;

class AnswerTooLargeError extends Error {}

export class McpHttpBridge {
  private readonly fetch: typeof fetch;
  private session: string | undefined;
  private version: string | undefined;
  /** The client's initialize request, replayed when the Hall's session ends. */
  private init: Message | undefined;
  private initializedSent = false;
  private renewing: Promise<boolean> | undefined;
  private barrier: Promise<void> = Promise.resolve();
  private readonly running = new Set<Promise<void>>();
  /** Every request still waiting for its answer, by idKey (for cancellation and cross-stream answers). */
  private readonly waiting = new Map<string, Exchange>();
  private readonly params = new ParamHeaders();

  constructor(private readonly opts: BridgeOptions) {
    this.fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Takes one line from stdin; the POST it causes runs in the background (see `drain`). */
  handle(line: InputLine): void {
    if ('tooLong' in line) {
      this.opts.log(`dropped a ${line.bytes}-byte line from stdin: the limit is ${this.opts.maxMessageBytes} bytes (--max-line-bytes).`);
      return this.opts.send(bridgeError(null, 'MCP_BRIDGE_LINE_TOO_LONG', `The message was ${line.bytes} bytes, over the bridge's limit of ${this.opts.maxMessageBytes}; it was not sent. Send a smaller message or start edgehall mcp with a larger --max-line-bytes.`));
    }
    if ('invalidUtf8' in line) return this.opts.send(bridgeError(null, 'MCP_BRIDGE_PARSE_ERROR', 'Parse error: the line is not valid UTF-8.'));
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.text);
    } catch (e) {
      return this.opts.send(bridgeError(null, 'MCP_BRIDGE_PARSE_ERROR', `Parse error: the line is not JSON (${(e as Error).message}).`));
    }
    const batch = Array.isArray(parsed);
    const items = (batch ? parsed : [parsed]) as unknown[];
    if (items.length === 0) return this.opts.send(bridgeError(null, 'MCP_BRIDGE_INVALID_MESSAGE', 'Invalid Request: an empty batch.'));

    // Messages the bridge refuses are answered here; the rest go to the Hall as the client wrote them.
    const kept: { m: Message; c: Classified }[] = [];
    for (const item of items) {
      const c = classify(item);
      if (c.kind === 'invalid') this.opts.send(bridgeError(c.id, 'MCP_BRIDGE_INVALID_MESSAGE', `Invalid Request: ${c.why}.`));
      else kept.push({ m: item as Message, c });
    }
    if (kept.length === 0) return;
    const single = !batch && kept.length === 1 ? kept[0]! : undefined;

    if (single?.c.kind === 'notification') {
      if (single.c.method === 'notifications/initialized') this.initializedSent = true;
      if (single.c.method === 'notifications/cancelled' && this.cancel(single.m)) return;
    }
    const method = single && 'method' in single.c ? single.c.method : undefined;
    const x = this.exchange(kept.flatMap(({ c }) => (c.kind === 'request' ? [c.id] : [])), single?.c.kind === 'request' ? method : undefined);
    const body = batch ? kept.map(({ m }) => m) : single!.m;
    const run = this.barrier.then(() => this.post(x, body, single, method)).catch((e: unknown) => this.opts.log(`internal error: ${describe(e)}`));
    // A notification, a response or an initialize is delivered before anything written after it.
    if (x.pending.size === 0 || x.isInit) this.barrier = run;
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Resolves when every message taken so far has been answered (or has failed). */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /** After stdin ended: waits for the answers still owed, then ends the Hall session (if one). */
  async close(): Promise<void> {
    await this.drain();
    if (this.session === undefined) return;
    try {
      const res = await this.fetch(this.opts.endpoint, { method: 'DELETE', headers: this.headers(undefined, false), signal: AbortSignal.timeout(1500) });
      await res.body?.cancel();
    } catch {
      // The session expires on the Hall's side anyway.
    }
  }

  private exchange(ids: JsonRpcId[], method: string | undefined, sink?: (m: Message) => void): Exchange {
    const x: Exchange = {
      pending: new Map(ids.map((id) => [idKey(id), id])),
      abort: new AbortController(),
      cancelled: false,
      dropped: new Set(),
      isInit: method === 'initialize',
      method,
      version: undefined,
      sink: sink ?? ((m) => this.opts.send(m)),
    };
    if (!sink) for (const k of x.pending.keys()) this.waiting.set(k, x);
    return x;
  }

  /**
   * `notifications/cancelled` for a request still in flight: its POST is aborted (closing the
   * stream is how Streamable HTTP cancels from 2026-07-28 on) and it gets no answer. True when the
   * notification itself is not forwarded (that revision defines no such notification over HTTP).
   */
  private cancel(m: Message): boolean {
    const target = cancelledRequest(m);
    const x = target === undefined ? undefined : this.waiting.get(idKey(target));
    if (x) {
      const key = idKey(target!);
      x.pending.delete(key);
      x.dropped.add(key);
      this.waiting.delete(key);
      if (x.pending.size === 0) {
        x.cancelled = true;
        x.abort.abort();
      }
    }
    return mirrorsHeaders(x?.version ?? ownProtocolVersion(m) ?? this.version);
  }

  private headers(m: Message | undefined, isInit: boolean, accept = ACCEPT): Headers {
    const h = new Headers({ accept, authorization: `Bearer ${this.opts.token}`, 'user-agent': this.opts.userAgent });
    const version = (m && ownProtocolVersion(m)) ?? (isInit ? undefined : this.version);
    if (version !== undefined) h.set('mcp-protocol-version', version);
    if (this.session !== undefined && !isInit) h.set('mcp-session-id', this.session);
    const c = m ? classify(m) : undefined;
    if (c?.kind === 'request' && mirrorsHeaders(version)) {
      h.set('mcp-method', c.method);
      const name = targetName(m!, c.method);
      if (name !== undefined) h.set('mcp-name', headerValue(name));
      if (c.method === 'tools/call' && name !== undefined) {
        for (const [k, v] of this.params.headersFor(name, (m!['params'] as Message)['arguments'])) h.set(k, v);
      }
    }
    return h;
  }

  private async post(x: Exchange, body: unknown, single: { m: Message; c: Classified } | undefined, method: string | undefined): Promise<void> {
    if (x.cancelled) return;
    const timeout = this.opts.timeoutMs > 0 && method !== 'subscriptions/listen' ? AbortSignal.timeout(this.opts.timeoutMs) : undefined;
    const signal = timeout ? AbortSignal.any([x.abort.signal, timeout]) : x.abort.signal;
    let answered = false;
    try {
      if (x.isInit) {
        // A new handshake starts a new session.
        this.session = undefined;
        this.version = undefined;
        this.init = single!.m;
      }
      const send = async (): Promise<Response> => {
        const headers = this.headers(single?.m, x.isInit);
        headers.set('content-type', 'application/json');
        x.version = headers.get('mcp-protocol-version') ?? undefined;
        return this.fetch(this.opts.endpoint, { method: 'POST', headers, body: JSON.stringify(body), signal });
      };
      const sentSession = x.isInit ? undefined : this.session;
      let res = await send();
      if (res.status === 404 && sentSession !== undefined) {
        await res.body?.cancel();
        if (!(await this.renewSession(sentSession))) {
          return this.fail(x, 'MCP_BRIDGE_SESSION_EXPIRED', "The Hall's MCP session ended and a new one could not be opened. Restart the MCP client.", { http_status: 404 });
        }
        res = await send();
      }
      answered = true;
      if (x.isInit) this.session = res.headers.get('mcp-session-id') ?? undefined;
      await this.read(res, x, signal, method);
    } catch (e) {
      if (x.cancelled) return;
      if (timeout?.aborted) return this.fail(x, 'MCP_BRIDGE_TIMEOUT', `The Hall did not answer within ${this.opts.timeoutMs} ms; the bridge stopped waiting. Raise --timeout-ms (0: no limit) for slower tools.`);
      if (e instanceof AnswerTooLargeError || e instanceof SseEventTooLargeError) {
        return this.fail(x, 'MCP_BRIDGE_BAD_RESPONSE', `The Hall's answer is larger than the bridge's limit of ${this.opts.maxMessageBytes} (--max-line-bytes).`);
      }
      const cause = describe(e);
      const sentence = answered
        ? `The connection to the Hall (${this.opts.endpoint}) broke before it answered (${cause}).`
        : `Cannot reach the Hall at ${this.opts.endpoint} (${cause}). Is it running (npm start)? Check --hall / EDGEHALL_URL.`;
      this.opts.log(sentence);
      this.fail(x, 'MCP_BRIDGE_UNREACHABLE', sentence);
    } finally {
      if (!x.cancelled) this.fail(x, 'MCP_BRIDGE_BAD_RESPONSE', 'The Hall ended its answer without a response to this request.');
      for (const k of x.pending.keys()) this.waiting.delete(k);
    }
  }

  /** One HTTP answer: JSON, an event stream, 202, or an HTTP error. */
  private async read(res: Response, x: Exchange, signal: AbortSignal, method: string | undefined): Promise<void> {
    const type = (res.headers.get('content-type') ?? '').toLowerCase();
    if (res.ok) {
      if (x.pending.size === 0) return void (await res.body?.cancel()); // a notification or response accepted (202)
      if (type.startsWith('text/event-stream')) return this.readStream(res, x, signal);
      if (!/^application\/([\w.+-]+\+)?json/.test(type)) {
        await res.body?.cancel();
        return this.fail(x, 'MCP_BRIDGE_BAD_RESPONSE', `The Hall answered HTTP ${res.status} with ${type || 'no content type'}, neither JSON nor an event stream. Check that --hall points at an edgehall Hall.`, { http_status: res.status });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readCapped(res, this.opts.maxMessageBytes));
      } catch (e) {
        if (e instanceof AnswerTooLargeError) throw e;
        return this.fail(x, 'MCP_BRIDGE_BAD_RESPONSE', `The Hall's answer is not valid JSON (HTTP ${res.status}).`, { http_status: res.status });
      }
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) this.deliver(x, m);
      return;
    }

    let body: unknown;
    try {
      body = JSON.parse(await readCapped(res, ERROR_BODY_LIMIT));
    } catch {
      body = undefined;
    }
    const problem = body && typeof body === 'object' && !Array.isArray(body) ? (body as Message) : {};
    const hallCode = typeof problem['code'] === 'string' ? problem['code'] : undefined;
    const detail = typeof problem['detail'] === 'string' ? problem['detail'] : typeof problem['title'] === 'string' ? problem['title'] : '';
    const extra: Omit<BridgeErrorData, 'code'> = { http_status: res.status, ...(hallCode ? { hall_code: hallCode } : {}) };
    if (res.status === 401) {
      const sentence = `The Hall refused the token from ${this.opts.tokenEnv} (HTTP 401${hallCode ? ` ${hallCode}` : ''}${detail ? `: ${detail}` : ''}). Set ${this.opts.tokenEnv} to a valid tenant token in the MCP client's configuration and restart it.`;
      this.opts.log(sentence);
      return this.fail(x, 'MCP_BRIDGE_UNAUTHORIZED', sentence, extra);
    }
    const rpc = classify(body);
    if (rpc.kind === 'response') {
      // The Hall's own JSON-RPC error (unknown method, bad params, version mismatch …): forwarded.
      if (x.pending.size === 0) this.opts.log(`the Hall refused ${method ?? 'a message'} (HTTP ${res.status}): ${JSON.stringify((body as Message)['error'])}`);
      else this.deliver(x, body);
      return;
    }
    const sentence = `The Hall answered HTTP ${res.status}${hallCode ? ` ${hallCode}` : ''}${detail ? `: ${detail}` : '.'}`;
    if (x.pending.size === 0) this.opts.log(`the Hall refused ${method ?? 'a message'}: ${sentence}`);
    this.fail(x, 'MCP_BRIDGE_HTTP_ERROR', sentence, extra);
  }

  /** An SSE answer; resumed with GET + Last-Event-ID when it stops before the response (2025-11-25). */
  private async readStream(res: Response, x: Exchange, signal: AbortSignal): Promise<void> {
    const state: SseState = { lastEventId: '', retryMs: undefined };
    let stream = res.body;
    for (let idle = 0; stream; ) {
      let progressed = false;
      for await (const ev of readSse(stream, state, this.opts.maxMessageBytes)) {
        if (ev.data === '') continue; // a priming event: only its id matters
        let m: unknown;
        try {
          m = JSON.parse(ev.data);
        } catch {
          this.opts.log('skipped an event from the Hall that is not JSON.');
          continue;
        }
        progressed = true;
        for (const item of Array.isArray(m) ? m : [m]) this.deliver(x, item);
        if (x.pending.size === 0) return; // answered: the stream has nothing more for this request
      }
      idle = progressed ? 0 : idle + 1;
      if (x.pending.size === 0 || !state.lastEventId || mirrorsHeaders(x.version) || idle >= MAX_RESUMES) return;
      await sleep(state.retryMs ?? 1000, signal);
      const headers = this.headers(undefined, false, 'text/event-stream');
      headers.set('last-event-id', state.lastEventId);
      const again = await this.fetch(this.opts.endpoint, { method: 'GET', headers, signal });
      if (!again.ok || !(again.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream')) {
        await again.body?.cancel();
        return;
      }
      stream = again.body;
    }
  }

  /** A message from the Hall: answers are matched to their request, then everything goes to the sink. */
  private deliver(x: Exchange, m: unknown): void {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) return this.opts.log('skipped a message from the Hall that is not a JSON object.');
    let message = m as Message;
    const c = classify(message);
    if (c.kind === 'response') {
      let id = c.id;
      if (id === null && x.pending.size === 1) {
        // An error the Hall could not tie to a request (e.g. a refused body) belongs to the one we sent.
        id = [...x.pending.values()][0]!;
        message = { ...message, id };
      }
      if (id !== null) {
        const key = idKey(id);
        const owner = x.pending.has(key) ? x : this.waiting.get(key);
        if (owner) {
          owner.pending.delete(key);
          if (owner !== x) this.waiting.delete(key);
          if (owner.isInit && owner === x) this.version = negotiatedVersion(message) ?? this.version;
          if (owner.method === 'tools/list') this.params.remember(message['result']);
        } else if (x.dropped.has(key)) return;
      }
    }
    x.sink(message);
  }

  /** Answers every request `x` still owes with one bridge error. */
  private fail(x: Exchange, code: BridgeErrorCode, sentence: string, extra?: Omit<BridgeErrorData, 'code'>): void {
    for (const [key, id] of x.pending) {
      x.pending.delete(key);
      this.waiting.delete(key);
      x.sink(bridgeError(id, code, sentence, extra ?? {}) as unknown as Message);
    }
  }

  /**
   * The Hall no longer knows session `expired` (HTTP 404): a new handshake with the client's own
   * initialize parameters, then its `notifications/initialized`. Concurrent requests share one
   * renewal. False when no new session with the same protocol version could be opened.
   */
  private renewSession(expired: string): Promise<boolean> {
    if (this.renewing) return this.renewing;
    if (this.session !== expired) return Promise.resolve(this.session !== undefined);
    const signal = AbortSignal.timeout(this.opts.timeoutMs || 30_000);
    this.renewing = (async () => {
      const init = this.init;
      const previous = this.version;
      this.session = undefined;
      if (!init) return false;
      let result: Message | undefined;
      const id = `edgehall-mcp-${crypto.randomUUID()}`;
      const x = this.exchange([id], undefined, (m) => {
        if (m['id'] === id) result = m;
      });
      try {
        const res = await this.fetch(this.opts.endpoint, { method: 'POST', headers: withJson(this.headers(init, true)), body: JSON.stringify({ ...init, id }), signal });
        const session = res.headers.get('mcp-session-id') ?? undefined;
        await this.read(res, x, signal, 'initialize');
        if (!result || !('result' in result) || negotiatedVersion(result) !== previous) return false;
        this.session = session;
        this.version = previous;
        if (this.initializedSent) {
          const note = { jsonrpc: '2.0', method: 'notifications/initialized' };
          const ack = await this.fetch(this.opts.endpoint, { method: 'POST', headers: withJson(this.headers(note, false)), body: JSON.stringify(note), signal });
          await ack.body?.cancel();
        }
        this.opts.log("the Hall's MCP session had ended; the bridge opened a new one with the client's initialize parameters.");
        return true;
      } catch {
        return false;
      }
    })().finally(() => (this.renewing = undefined));
    return this.renewing;
  }
}

function withJson(h: Headers): Headers {
  h.set('content-type', 'application/json');
  return h;
}

/** The body as text, refused past `limit` bytes while reading (Content-Length is not trusted). */
async function readCapped(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new AnswerTooLargeError();
    }
    parts.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return new TextDecoder().decode(all);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}

function describe(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : '';
  const message = cause instanceof Error ? cause.message : String(cause);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
