// Per-file SHA-256 while the body streams. Which engine is fastest depends on the file size and
// the runtime (measured by bench/hash.ts; figures in docs/attestation-hashing.md):
//  - Node and browsers, files up to NOBLE_DIGEST_MAX_BYTES: @noble/hashes incremental —
//    synchronous, no await per small file (a WebCrypto call costs more than hashing 4 KiB in JS);
//  - files up to BUFFERED_DIGEST_MAX_BYTES: copied into one buffer and hashed by WebCrypto
//    `digest` (native, one-shot, one await per file) — 3-5x noble on Node even with the copy;
//  - larger files: workerd's streaming `crypto.DigestStream` when it exists, else noble
//    incremental (WebCrypto has no streaming digest; buffering a big file would break the bound).
//  - workerd (it has DigestStream): WebCrypto beats noble at every size measured, even 512 bytes,
//    so noble is not used there at all.
// A runtime with a native streaming hash (Node's `createHash`) can inject it for every file.
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../util/bytes.js';

/** A synchronous incremental SHA-256 (e.g. `() => createHash('sha256')` from node:crypto). */
export interface IncrementalSha256 {
  update(bytes: Uint8Array): unknown;
  digest(): Uint8Array;
}

export type Sha256Factory = () => IncrementalSha256;

/** Up to this size noble wins on Node 20 (no await, no copy): measured crossover ~2.5 KiB, see bench/hash.ts. */
export const NOBLE_DIGEST_MAX_BYTES = 2560;
/** Up to this size a file is buffered for one-shot WebCrypto: the memory a single file may cost. */
export const BUFFERED_DIGEST_MAX_BYTES = 1024 * 1024;

export interface FileDigest {
  write(bytes: Uint8Array): void | Promise<void>;
  /** Lowercase hex SHA-256 of everything written. */
  end(): string | Promise<string>;
}

interface DigestStreamLike extends WritableStream<Uint8Array> {
  readonly digest: Promise<ArrayBuffer>;
}
type DigestStreamCtor = new (algorithm: string) => DigestStreamLike;

function digestStreamCtor(): DigestStreamCtor | null {
  const c = (globalThis as { crypto?: { DigestStream?: unknown } }).crypto?.DigestStream;
  return typeof c === 'function' ? (c as DigestStreamCtor) : null;
}

function subtle(): SubtleCrypto | null {
  return (globalThis as { crypto?: Crypto }).crypto?.subtle ?? null;
}

export type DigestEngine = 'injected' | 'noble' | 'webcrypto' | 'digest-stream';

/** The engine used for a file of `size` bytes in this runtime. */
export function chooseDigestEngine(size: number, injected?: Sha256Factory, bufferMax = BUFFERED_DIGEST_MAX_BYTES): DigestEngine {
  if (injected) return 'injected';
  const streaming = digestStreamCtor() !== null;
  if (size <= NOBLE_DIGEST_MAX_BYTES && !streaming) return 'noble';
  if (size <= bufferMax && subtle()) return 'webcrypto';
  if (streaming) return 'digest-stream';
  return 'noble';
}

class SyncDigest implements FileDigest {
  constructor(private readonly h: IncrementalSha256) {}
  write(bytes: Uint8Array): void {
    this.h.update(bytes);
  }
  end(): string {
    return toHex(this.h.digest());
  }
}

class BufferedWebCryptoDigest implements FileDigest {
  private readonly buf: Uint8Array<ArrayBuffer>;
  private fill = 0;
  constructor(size: number, private readonly s: SubtleCrypto) {
    this.buf = new Uint8Array(size);
  }
  write(bytes: Uint8Array): void {
    this.buf.set(bytes, this.fill);
    this.fill += bytes.length;
  }
  async end(): Promise<string> {
    return toHex(new Uint8Array(await this.s.digest('SHA-256', this.buf.subarray(0, this.fill))));
  }
}

class StreamDigest implements FileDigest {
  private readonly ds: DigestStreamLike;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  constructor(Ctor: DigestStreamCtor) {
    this.ds = new Ctor('SHA-256');
    this.writer = this.ds.getWriter();
  }
  write(bytes: Uint8Array): Promise<void> {
    return this.writer.write(bytes);
  }
  async end(): Promise<string> {
    await this.writer.close();
    return toHex(new Uint8Array(await this.ds.digest));
  }
}

/** A digest for one file of known `size` (the tar header says it before the body arrives). */
export function createFileDigest(size: number, injected?: Sha256Factory, bufferMax = BUFFERED_DIGEST_MAX_BYTES): FileDigest {
  switch (chooseDigestEngine(size, injected, bufferMax)) {
    case 'injected':
      return new SyncDigest(injected!());
    case 'webcrypto':
      return new BufferedWebCryptoDigest(size, subtle()!);
    case 'digest-stream':
      return new StreamDigest(digestStreamCtor()!);
    default:
      return new SyncDigest(sha256.create());
  }
}
