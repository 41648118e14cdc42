// A streaming tar reader: a state machine fed one chunk at a time. Headers are parsed in place
// from the chunk when they lie inside it (copied into a 512-byte scratch block only when they
// straddle two chunks) and file bodies are handed on as sub-views of the chunks, so memory is
// bounded by one chunk plus small pax / long-name headers, never by a file or the archive.
import { TarError } from '../errors.js';
import type { TarLimits } from '../limits.js';
import { BLOCK, isZeroBlock, parseHeader, type TarHeader } from './header.js';
import { parsePaxRecords, parsePaxSize } from './pax.js';

export type TarEntryType = 'file' | 'directory' | 'hardlink' | 'symlink' | 'char-device' | 'block-device' | 'fifo' | 'other';

/** One archive member, after its pax / GNU long-name headers have been applied. */
export interface TarEntry {
  type: TarEntryType;
  /** The raw type flag, for messages ('S' sparse, 'M' multi-volume, ...). */
  typeflag: string;
  /** The full name as stored (UTF-8 checked, NUL-free); not normalised. */
  name: string;
  /** Link target for hardlinks/symlinks, when it decodes. */
  linkname: string;
  size: number;
  /** Byte offset of the entry's own header in the tar stream. */
  offset: number;
}

/** Receives one entry's body. Returning promises is allowed but costs an await per call. */
export interface TarBodySink {
  write(bytes: Uint8Array): void | Promise<void>;
  end(): void | Promise<void>;
}

/** Decides what to do with an entry: throw to reject, return a sink to read the body, or null to skip it. */
export type TarEntryHandler = (entry: TarEntry) => TarBodySink | null | Promise<TarBodySink | null>;

const nameDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeName(bytes: Uint8Array, what: string, offset: number): string {
  let s: string;
  try {
    s = nameDecoder.decode(bytes);
  } catch {
    throw new TarError('TAR_BAD_NAME', `Entry ${what} at byte ${offset} is not valid UTF-8`, { offset });
  }
  if (s.includes('\0')) throw new TarError('TAR_BAD_NAME', `Entry ${what} at byte ${offset} contains a NUL character`, { offset });
  return s;
}

function classify(typeflag: string, rawName: Uint8Array): TarEntryType {
  switch (typeflag) {
    case '0':
    case '7': // contiguous file: a regular file everywhere that matters
      return 'file';
    case '\0': // pre-POSIX regular file; a trailing '/' marked a directory
      return rawName[rawName.length - 1] === 0x2f ? 'directory' : 'file';
    case '5':
      return 'directory';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '3':
      return 'char-device';
    case '4':
      return 'block-device';
    case '6':
      return 'fifo';
    default:
      return 'other';
  }
}

type State = 'header' | 'body' | 'padding' | 'eof2' | 'trailer';

interface PendingMeta {
  pax: Map<string, Uint8Array> | null;
  longName: Uint8Array | null;
  longLink: Uint8Array | null;
}

const enum Meta {
  None,
  Pax,
  Global,
  LongName,
  LongLink,
}

export class TarReader {
  private state: State = 'header';
  private readonly scratch = new Uint8Array(BLOCK);
  private scratchFill = 0;
  /** Bytes of the tar stream consumed so far. */
  private pos = 0;
  private headers = 0;
  private remaining = 0;
  private padding = 0;
  private sink: TarBodySink | null = null;
  private meta: Meta = Meta.None;
  private metaBuf: Uint8Array | null = null;
  private metaFill = 0;
  private metaOffset = 0;
  private pending: PendingMeta = { pax: null, longName: null, longLink: null };
  private pathBytesTotal = 0;

  constructor(
    private readonly limits: TarLimits,
    private readonly onEntry: TarEntryHandler,
  ) {}

  /** Members seen so far (pax and long-name headers not counted). */
  entries = 0;

  /** Feeds the next chunk of the tar stream. */
  async push(chunk: Uint8Array): Promise<void> {
    if (this.pos + chunk.length > this.limits.maxTotalBytes) {
      throw new TarError('TAR_LIMIT_EXCEEDED', `Archive is larger than ${this.limits.maxTotalBytes} bytes`, {
        limit: 'maxTotalBytes',
        value: this.limits.maxTotalBytes,
      });
    }
    let p = 0;
    const n = chunk.length;
    while (p < n) {
      switch (this.state) {
        case 'header':
        case 'eof2': {
          if (this.scratchFill === 0 && n - p >= BLOCK) {
            const at = this.pos;
            this.pos += BLOCK;
            const r = this.block(chunk, p, at);
            p += BLOCK;
            if (r) await r;
          } else {
            const take = Math.min(BLOCK - this.scratchFill, n - p);
            this.scratch.set(chunk.subarray(p, p + take), this.scratchFill);
            this.scratchFill += take;
            p += take;
            if (this.scratchFill === BLOCK) {
              this.scratchFill = 0;
              const at = this.pos;
              this.pos += BLOCK;
              const r = this.block(this.scratch, 0, at);
              if (r) await r;
            }
          }
          break;
        }
        case 'body': {
          const take = Math.min(this.remaining, n - p);
          const part = chunk.subarray(p, p + take);
          p += take;
          this.pos += take;
          this.remaining -= take;
          if (this.meta !== Meta.None) {
            this.metaBuf!.set(part, this.metaFill);
            this.metaFill += take;
          } else if (this.sink) {
            const r = this.sink.write(part);
            if (r) await r;
          }
          if (this.remaining === 0) await this.endBody();
          break;
        }
        case 'padding': {
          // Padding content is not checked: writers leave garbage there and it carries no data.
          const take = Math.min(this.padding, n - p);
          p += take;
          this.pos += take;
          this.padding -= take;
          if (this.padding === 0) this.state = 'header';
          break;
        }
        case 'trailer': {
          // After the end-of-archive marker only zero padding may follow: anything else could be a
          // second archive that another reader (tar -i) would see and this one would not.
          for (; p < n; p++) {
            if (chunk[p] !== 0) {
              throw new TarError('TAR_CORRUPT', `Data after the end-of-archive marker at byte ${this.pos + p}`, {
                offset: this.pos + p,
              });
            }
          }
          this.pos += n;
          return;
        }
      }
    }
  }

  /** Call when the stream has ended: anything but a complete archive is truncated. */
  finish(): void {
    if (this.state === 'trailer') return;
    if (this.headers === 0 && this.pos === 0) {
      throw new TarError('TAR_CORRUPT', `The upload (${this.scratchFill} bytes) is too short to be a tar archive`, { offset: 0 });
    }
    const where =
      this.state === 'body' ? 'inside an entry' : this.state === 'padding' ? 'inside entry padding' : this.state === 'eof2' ? 'after a single end-of-archive block' : this.scratchFill > 0 ? 'inside a header' : 'without an end-of-archive marker';
    throw new TarError('TAR_TRUNCATED', `Archive ended ${where} at byte ${this.pos + this.scratchFill}`, {
      offset: this.pos + this.scratchFill,
    });
  }

  private hasPending(): boolean {
    return this.pending.pax !== null || this.pending.longName !== null || this.pending.longLink !== null;
  }

  private block(buf: Uint8Array, off: number, at: number): void | Promise<void> {
    if (this.state === 'eof2') {
      if (!isZeroBlock(buf, off)) throw new TarError('TAR_CORRUPT', `Data after an end-of-archive block at byte ${at}`, { offset: at });
      this.state = 'trailer';
      return;
    }
    if (isZeroBlock(buf, off)) {
      if (this.hasPending()) throw new TarError('TAR_CORRUPT', `Extended header not followed by an entry at byte ${at}`, { offset: at });
      this.state = 'eof2';
      return;
    }
    if (++this.headers > this.limits.maxEntries) {
      throw new TarError('TAR_LIMIT_EXCEEDED', `Archive has more than ${this.limits.maxEntries} entries`, {
        limit: 'maxEntries',
        value: this.limits.maxEntries,
      });
    }
    const h = parseHeader(buf, off, at);
    switch (h.typeflag) {
      case 'x':
        return this.startMeta(h, Meta.Pax, at, this.pending.pax !== null);
      case 'g':
        return this.startMeta(h, Meta.Global, at, this.hasPending());
      case 'L':
        return this.startMeta(h, Meta.LongName, at, this.pending.longName !== null);
      case 'K':
        return this.startMeta(h, Meta.LongLink, at, this.pending.longLink !== null);
    }
    return this.member(h, at);
  }

  private startMeta(h: TarHeader, kind: Meta, at: number, repeated: boolean): void {
    if (repeated) throw new TarError('TAR_CORRUPT', `Repeated or misplaced extended header at byte ${at}`, { offset: at });
    if (h.size > this.limits.maxMetaBytes) {
      throw new TarError('TAR_LIMIT_EXCEEDED', `Extended header at byte ${at} is larger than ${this.limits.maxMetaBytes} bytes`, {
        limit: 'maxMetaBytes',
        value: this.limits.maxMetaBytes,
        offset: at,
      });
    }
    this.meta = kind;
    this.metaBuf = new Uint8Array(h.size);
    this.metaFill = 0;
    this.metaOffset = at;
    this.startBody(h.size);
  }

  private startBody(size: number): void | Promise<void> {
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) return this.endBody();
    this.state = 'body';
  }

  private async endBody(): Promise<void> {
    this.state = this.padding > 0 ? 'padding' : 'header';
    if (this.meta !== Meta.None) {
      const data = this.metaBuf!;
      const kind = this.meta;
      this.meta = Meta.None;
      this.metaBuf = null;
      this.applyMeta(kind, data);
      return;
    }
    const sink = this.sink;
    this.sink = null;
    if (sink) {
      const r = sink.end();
      if (r) await r;
    }
  }

  private applyMeta(kind: Meta, data: Uint8Array): void {
    const at = this.metaOffset;
    if (kind === Meta.Pax || kind === Meta.Global) {
      const records = parsePaxRecords(data, at);
      for (const key of records.keys()) {
        if (key.startsWith('GNU.sparse.')) {
          throw new TarError('TAR_SPECIAL_ENTRY', `Sparse file (pax ${key}) at byte ${at} is not supported`, { offset: at });
        }
      }
      if (kind === Meta.Global) {
        // A global header that renames or resizes every later entry is refused; others are metadata.
        for (const key of ['path', 'linkpath', 'size']) {
          if (records.has(key)) throw new TarError('TAR_CORRUPT', `pax global header at byte ${at} sets '${key}' for every entry`, { offset: at });
        }
        return;
      }
      this.pending.pax = records;
    } else {
      const nul = data.indexOf(0);
      const name = nul < 0 ? data : data.subarray(0, nul);
      for (let i = nul < 0 ? data.length : nul; i < data.length; i++) {
        if (data[i] !== 0) throw new TarError('TAR_CORRUPT', `GNU long name at byte ${at} has data after its NUL`, { offset: at });
      }
      if (kind === Meta.LongName) this.pending.longName = name;
      else this.pending.longLink = name;
    }
  }

  private member(h: TarHeader, at: number): void | Promise<void> {
    const { pax, longName, longLink } = this.pending;
    this.pending = { pax: null, longName: null, longLink: null };

    let nameBytes: Uint8Array;
    const paxPath = pax?.get('path');
    if (paxPath !== undefined && longName !== null) {
      throw new TarError('TAR_CORRUPT', `Entry at byte ${at} has both a pax path and a GNU long name`, { offset: at });
    }
    if (paxPath !== undefined) nameBytes = paxPath;
    else if (longName !== null) nameBytes = longName;
    else if (h.prefix.length > 0) {
      nameBytes = new Uint8Array(h.prefix.length + 1 + h.name.length);
      nameBytes.set(h.prefix);
      nameBytes[h.prefix.length] = 0x2f;
      nameBytes.set(h.name, h.prefix.length + 1);
    } else nameBytes = h.name;
    if (nameBytes.length > this.limits.maxPathBytes) {
      throw new TarError('TAR_LIMIT_EXCEEDED', `Entry path at byte ${at} is longer than ${this.limits.maxPathBytes} bytes`, {
        limit: 'maxPathBytes',
        value: this.limits.maxPathBytes,
        offset: at,
      });
    }
    // The names are what a caller keeps (records, excluded entries, the answer): bound their sum.
    this.pathBytesTotal += nameBytes.length;
    if (this.pathBytesTotal > this.limits.maxPathBytesTotal) {
      throw new TarError('TAR_LIMIT_EXCEEDED', `Entry paths add up to more than ${this.limits.maxPathBytesTotal} bytes (at byte ${at})`, {
        limit: 'maxPathBytesTotal',
        value: this.limits.maxPathBytesTotal,
        offset: at,
      });
    }
    const name = decodeName(nameBytes, 'name', at);
    const type = classify(h.typeflag, nameBytes);
    let linkname = '';
    const linkBytes = pax?.get('linkpath') ?? longLink ?? h.linkname;
    if (longLink !== null && type !== 'hardlink' && type !== 'symlink') {
      throw new TarError('TAR_CORRUPT', `GNU long link name before a non-link entry at byte ${at}`, { offset: at });
    }
    try {
      linkname = nameDecoder.decode(linkBytes);
    } catch {
      linkname = '(not UTF-8)';
    }

    let size = h.size;
    const paxSize = pax?.get('size');
    if (paxSize !== undefined) {
      const s = parsePaxSize(paxSize, at);
      // Writers put 0 (or the same value) in the ustar field when pax carries the size; any other
      // value means two readers could disagree on where the next header starts.
      if (h.size !== 0 && h.size !== s) {
        throw new TarError('TAR_CORRUPT', `Entry at byte ${at}: pax size ${s} contradicts header size ${h.size}`, { offset: at });
      }
      size = s;
    }
    if (type !== 'file' && type !== 'other' && size !== 0) {
      throw new TarError('TAR_CORRUPT', `Entry at byte ${at}: a ${type} entry declares ${size} bytes of data`, { offset: at });
    }
    if (type === 'file' && size > this.limits.maxFileBytes) {
      throw new TarError('TAR_LIMIT_EXCEEDED', `File ${JSON.stringify(name)} is larger than ${this.limits.maxFileBytes} bytes`, {
        limit: 'maxFileBytes',
        value: this.limits.maxFileBytes,
        path: name,
        size,
      });
    }
    if (this.pos + size > this.limits.maxTotalBytes) {
      throw new TarError('TAR_LIMIT_EXCEEDED', `Archive is larger than ${this.limits.maxTotalBytes} bytes`, {
        limit: 'maxTotalBytes',
        value: this.limits.maxTotalBytes,
      });
    }
    this.entries++;
    const entry: TarEntry = { type, typeflag: h.typeflag, name, linkname, size, offset: at };
    const decided = this.onEntry(entry);
    if (decided instanceof Promise) {
      return decided.then((sink) => {
        this.sink = sink;
        return this.startBody(size);
      });
    }
    this.sink = decided;
    return this.startBody(size);
  }
}
