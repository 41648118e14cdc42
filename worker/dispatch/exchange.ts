// One bounded HTTP exchange with a dispatch target: a deadline that covers the request and reading
// the whole answer, a byte cap on the answer, redirects never followed, and every failure turned
// into a named DISPATCH_* code (never a thrown crash, never an unbounded wait).
import { concatBytes } from '../../src/util/bytes.js';

export const DEFAULT_DISPATCH_TIMEOUT_MS = 10_000;
/** Largest answer read from a target (a tool result): 1 MiB. */
export const MAX_DISPATCH_RESULT_BYTES = 1024 * 1024;

export type DispatchFailureCode =
  | 'DISPATCH_NO_TARGET'
  | 'DISPATCH_NOT_ALLOWED'
  | 'DISPATCH_ARGUMENTS_MISMATCH'
  | 'DISPATCH_TARGET_FORBIDDEN'
  | 'DISPATCH_SECRET_MISSING'
  | 'DISPATCH_TIMEOUT'
  | 'DISPATCH_UNREACHABLE'
  | 'DISPATCH_TARGET_REFUSED'
  | 'DISPATCH_UPSTREAM_ERROR'
  | 'DISPATCH_BAD_RESPONSE'
  | 'DISPATCH_RESULT_TOO_LARGE'
  | 'DISPATCH_HALL_ERROR';

/** A dispatch that did not produce a valid result; what the outcome record and the caller see. */
export class DispatchFailure extends Error {
  constructor(
    readonly code: DispatchFailureCode,
    message: string,
    readonly httpStatus: number | null = null,
    /** The exact bytes the target returned, when it returned any (their SHA-256 is recorded). */
    readonly bytes: Uint8Array | null = null,
  ) {
    super(message);
    this.name = 'DispatchFailure';
  }
}

/** A deadline for a whole dispatch: its signal aborts fetches, `race` bounds any other wait. */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly expiredPromise: Promise<never>;
  constructor(readonly ms: number) {
    let fire!: (err: DispatchFailure) => void;
    this.expiredPromise = new Promise<never>((_, reject) => (fire = reject));
    // Never an unhandled rejection when nobody is racing at the moment it fires.
    this.expiredPromise.catch(() => undefined);
    this.timer = setTimeout(() => {
      this.controller.abort();
      fire(this.timeout());
    }, ms);
  }
  /** The failure a passed deadline is reported as. */
  timeout(): DispatchFailure {
    return new DispatchFailure('DISPATCH_TIMEOUT', `the dispatch target did not answer within ${this.ms} ms. The call was not completed; check the worker, or raise dispatch.timeout_ms (at most 120000).`);
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  get expired(): boolean {
    return this.controller.signal.aborted;
  }
  race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.expiredPromise]);
  }
  clear(): void {
    clearTimeout(this.timer);
  }
}

export interface TargetFetcher {
  fetch(request: Request): Promise<Response>;
}

/** Sends `request` (redirects not followed); a network failure is DISPATCH_UNREACHABLE. */
export async function send(fetcher: TargetFetcher, request: Request, deadline: Deadline): Promise<Response> {
  try {
    return await deadline.race(fetcher.fetch(request));
  } catch (err) {
    if (err instanceof DispatchFailure) throw err;
    if (deadline.expired) throw deadline.timeout();
    throw new DispatchFailure('DISPATCH_UNREACHABLE', `the dispatch target could not be reached (${String((err as Error)?.message ?? err).slice(0, 200)}). Check that it is running and its address is right.`);
  }
}

/** Reads a whole answer body under the deadline and the byte cap. */
export async function readAll(response: Response, deadline: Deadline, limit = MAX_DISPATCH_RESULT_BYTES): Promise<Uint8Array> {
  const declared = response.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(limit, response.status);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await deadline.race(reader.read());
      if (done) break;
      total += value.byteLength;
      if (total > limit) throw tooLarge(limit, response.status);
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => undefined);
    if (err instanceof DispatchFailure) throw err;
    if (deadline.expired) throw deadline.timeout();
    throw new DispatchFailure('DISPATCH_UNREACHABLE', `the dispatch target's answer broke off (${String((err as Error)?.message ?? err).slice(0, 200)}).`, response.status);
  }
  return concatBytes(chunks);
}

function tooLarge(limit: number, status: number): DispatchFailure {
  return new DispatchFailure('DISPATCH_RESULT_TOO_LARGE', `the dispatch target answered more than ${limit} bytes, the most the Hall accepts as a tool result. Return a smaller result (or a resource link).`, status);
}

/** Strict UTF-8 JSON, or DISPATCH_BAD_RESPONSE. */
export function parseJsonBytes(bytes: Uint8Array, status: number, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw new DispatchFailure('DISPATCH_BAD_RESPONSE', `${what} is not UTF-8 JSON.`, status, bytes);
  }
}
