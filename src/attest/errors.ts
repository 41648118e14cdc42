// Coded rejections of the tar reader and the package-hash policy. Every code is stable (clients
// switch on it) and every message ends with what the uploader should do about it.
import { EdgehallError } from '../util/errors.js';

export const TAR_ERROR_CODES = [
  'TAR_PATH_TRAVERSAL', // '..' component or absolute path: the entry would escape the package root
  'TAR_LINK_ENTRY', // hardlink or symlink: no portable content to hash
  'TAR_SPECIAL_ENTRY', // device, FIFO, sparse, multi-volume, unknown type flag
  'TAR_DUPLICATE_PATH', // two entries name the same path (after normalisation)
  'TAR_PATH_CONFLICT', // a path is both a file and a directory (or a file is used as a parent)
  'TAR_OUTSIDE_PREFIX', // an entry is not under the requested strip prefix
  'TAR_BAD_NAME', // empty, non-UTF-8, control characters, NUL, too long a component
  'TAR_CORRUPT', // bad checksum, bad number field, bad pax record, corrupt gzip, unsupported compression
  'TAR_TRUNCATED', // the stream ended before the end-of-archive marker
  'TAR_LIMIT_EXCEEDED', // a size/count/ratio limit was hit (details.limit names which)
  'TAR_NAME_COLLISION', // two names are equal under Unicode NFC or case folding (only when refused on request)
] as const;

export type TarErrorCode = (typeof TAR_ERROR_CODES)[number];

const ADVICE: Record<TarErrorCode, string> = {
  TAR_PATH_TRAVERSAL: 'Repack the package with relative paths inside its root only.',
  TAR_LINK_ENTRY: 'Replace links with regular files (e.g. `tar --dereference`) and repack.',
  TAR_SPECIAL_ENTRY: 'Keep only regular files and directories in the package and repack.',
  TAR_DUPLICATE_PATH: 'Repack so that every path appears once.',
  TAR_PATH_CONFLICT: 'Repack so that no path is both a file and a directory.',
  TAR_OUTSIDE_PREFIX: 'Pass the strip prefix every entry actually starts with, or none.',
  TAR_BAD_NAME: 'Rename the file to valid UTF-8 without control characters and repack.',
  TAR_CORRUPT: 'Upload a valid .tar or gzip-compressed .tgz archive.',
  TAR_TRUNCATED: 'The upload is incomplete; upload the whole archive again.',
  TAR_LIMIT_EXCEEDED: 'Make the package smaller, or raise the limit if you trust the source.',
  TAR_NAME_COLLISION: 'Rename one of them so that no two names differ only in letter case or Unicode normalisation, and repack.',
};

/** A rejection of an uploaded archive: `code` is stable, `message` says what is wrong and what to do. */
export class TarError extends EdgehallError {
  declare readonly code: TarErrorCode;
  constructor(code: TarErrorCode, problem: string, details?: Record<string, unknown>) {
    super(code, `${problem}. ${ADVICE[code]}`, details);
    this.name = 'TarError';
  }
}

export function isTarError(value: unknown): value is TarError {
  return value instanceof TarError;
}

/** Quotes an entry name for a message: JSON escaping keeps control characters visible and harmless. */
export function quoteTarName(name: string): string {
  const shown = name.length > 200 ? name.slice(0, 200) + '…' : name;
  return JSON.stringify(shown);
}
