// Turns an upload (stream, bytes or Blob) into the chunks of its tar stream: gzip is detected by
// its magic bytes and inflated with the standard DecompressionStream. The compressed input is fed
// to the inflater in small slices so that one slice can inflate to at most ~1000x its size, and
// the inflate ratio is checked as the output arrives: a gzip bomb stops within a few MiB.
import { concatBytes } from '../../util/bytes.js';
import { EdgehallError } from '../../util/errors.js';
import { TarError } from '../errors.js';
import type { TarLimits } from '../limits.js';

export type PackageSource = ReadableStream<Uint8Array> | Uint8Array | Blob;

/** Bytes of compressed input handed to the inflater at a time (bounds one inflate step's output). */
const INFLATE_SLICE = 8 * 1024;

export interface SourceStats {
  bytes_in: number;
  bytes_inflated: number;
  compression: 'none' | 'gzip';
}

type RawReader = { read(): Promise<Uint8Array | null>; cancel(): void };

function rawReader(source: PackageSource | null): RawReader {
  // `request.body` is null for an empty request: that is an empty upload, not a programming error.
  if (source === null || source === undefined) source = new Uint8Array(0);
  if (source instanceof Uint8Array) {
    let done = false;
    return {
      read: async () => {
        if (done) return null;
        done = true;
        return source;
      },
      cancel: () => {
        done = true;
      },
    };
  }
  const stream: ReadableStream<Uint8Array> =
    typeof Blob !== 'undefined' && source instanceof Blob ? (source.stream() as ReadableStream<Uint8Array>) : (source as ReadableStream<Uint8Array>);
  const reader = stream.getReader();
  return {
    read: async () => {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        throw new TarError('TAR_TRUNCATED', `Reading the upload failed (${e instanceof Error ? e.message : String(e)})`);
      }
      if (r.done) return null;
      if (!(r.value instanceof Uint8Array)) throw new TypeError('package source chunks must be Uint8Array');
      return r.value;
    },
    cancel: () => {
      reader.cancel().catch(() => {});
    },
  };
}

function sniff(head: Uint8Array): 'gzip' | 'none' {
  const b = (i: number) => head[i];
  if (b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  const unsupported =
    b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68 ? 'bzip2'
    : b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58 && b(4) === 0x5a ? 'xz'
    : b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd ? 'zstd'
    : b(0) === 0x50 && b(1) === 0x4b && b(2) === 0x03 && b(3) === 0x04 ? 'zip'
    : null;
  if (unsupported) {
    throw new TarError('TAR_CORRUPT', `The upload is ${unsupported}-compressed; only plain tar and gzip are supported`, {
      compression: unsupported,
    });
  }
  return 'none';
}

function inflateError(e: unknown): TarError {
  if (e instanceof TarError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  // Runtimes word this differently; "unexpected end" is zlib's, the rest cover other engines.
  if (/end of (file|stream|input|data)|truncat|premature|incomplete/i.test(msg)) {
    return new TarError('TAR_TRUNCATED', `The gzip stream ends early (${msg})`);
  }
  return new TarError('TAR_CORRUPT', `The gzip stream is corrupt (${msg})`);
}

/**
 * Yields the tar stream's chunks. `onProgress` gets the running count of input bytes. The caller
 * must run the generator to completion (or `return()` it) so readers are released.
 */
export async function* tarChunks(
  source: PackageSource | null,
  limits: TarLimits,
  stats: SourceStats,
  onProgress?: (bytesIn: number) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  const raw = rawReader(source);
  const countIn = (chunk: Uint8Array) => {
    stats.bytes_in += chunk.length;
    onProgress?.(stats.bytes_in);
  };
  try {
    // Collect the first few bytes for the magic check (a stream may deliver them one at a time).
    const headParts: Uint8Array[] = [];
    let headLen = 0;
    while (headLen < 6) {
      const c = await raw.read();
      if (c === null) break;
      if (c.length === 0) continue;
      headParts.push(c);
      headLen += c.length;
    }
    if (headLen === 0) throw new TarError('TAR_TRUNCATED', 'The upload is empty');
    const head = headParts.length === 1 ? headParts[0]! : concatBytes(headParts);
    stats.compression = sniff(head);

    if (stats.compression === 'none') {
      for (const c of headParts) {
        countIn(c);
        stats.bytes_inflated += c.length;
        yield c;
      }
      for (let c = await raw.read(); c !== null; c = await raw.read()) {
        countIn(c);
        stats.bytes_inflated += c.length;
        yield c;
      }
      return;
    }
    yield* inflate(headParts, raw, limits, stats, countIn);
  } finally {
    raw.cancel();
  }
}

async function* inflate(
  headParts: Uint8Array[],
  raw: RawReader,
  limits: TarLimits,
  stats: SourceStats,
  countIn: (c: Uint8Array) => void,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (typeof DecompressionStream === 'undefined') {
    throw new EdgehallError('RUNTIME_UNSUPPORTED', 'This runtime has no DecompressionStream, so .tgz cannot be read here. Upload an uncompressed .tar, or use a current browser, Node 18+ or Workers.');
  }
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter() as WritableStreamDefaultWriter<Uint8Array<ArrayBuffer>>;
  const reader = ds.readable.getReader();
  let stopped = false;

  // The pump writes compressed slices; each write waits for the inflater's backpressure, so at
  // most a slice or two is inflated ahead of the tar reader.
  const pump = (async () => {
    const feed = async (c: Uint8Array) => {
      for (let o = 0; o < c.length && !stopped; o += INFLATE_SLICE) {
        const slice = c.subarray(o, Math.min(c.length, o + INFLATE_SLICE));
        countIn(slice);
        await writer.write(slice as Uint8Array<ArrayBuffer>);
      }
    };
    for (const c of headParts) await feed(c);
    for (let c = await raw.read(); c !== null && !stopped; c = await raw.read()) await feed(c);
    if (!stopped) await writer.close();
  })();
  let pumpError: unknown = null;
  pump.catch((e) => {
    pumpError = e;
    // Unblock the reader side: an input failure must surface, not hang.
    reader.cancel(e).catch(() => {});
  });

  try {
    for (;;) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        throw inflateError(pumpError ?? e);
      }
      if (pumpError) throw inflateError(pumpError);
      if (r.done) break;
      const c = r.value;
      stats.bytes_inflated += c.length;
      if (stats.bytes_inflated > limits.inflateRatioGraceBytes && stats.bytes_inflated > limits.maxInflateRatio * stats.bytes_in) {
        throw new TarError(
          'TAR_LIMIT_EXCEEDED',
          `The gzip stream inflates more than ${limits.maxInflateRatio} times (possible gzip bomb)`,
          { limit: 'maxInflateRatio', value: limits.maxInflateRatio, bytes_in: stats.bytes_in, bytes_inflated: stats.bytes_inflated },
        );
      }
      if (stats.bytes_inflated > limits.maxTotalBytes) {
        throw new TarError('TAR_LIMIT_EXCEEDED', `Archive is larger than ${limits.maxTotalBytes} bytes`, {
          limit: 'maxTotalBytes',
          value: limits.maxTotalBytes,
        });
      }
      yield c;
    }
    try {
      await pump;
    } catch (e) {
      throw inflateError(e);
    }
  } finally {
    stopped = true;
    reader.cancel().catch(() => {});
    writer.abort().catch(() => {});
    pump.catch(() => {});
  }
}
