// pyhall's canonical package hash:
//   sha256( concat over files in order: "<rel>\n<byte length>\n<sha256 hex>\n" )
// with paths sorted component by component in code-point order, and names that are not part of
// the package (VCS, caches, the manifest itself) left out.
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8 } from '../util/bytes.js';
import { compareCodePoints } from '../util/pyjson.js';
import { TarError } from './errors.js';

/** One hashed file: its path relative to the package root, byte length and content SHA-256. */
export interface PackageRecord {
  path: string;
  size: number;
  sha256: string;
}

/** The hash of a package with no files: sha256 of the empty string. */
export const EMPTY_PACKAGE_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Path components that exclude a path wherever they appear (exact, case-sensitive). */
export const EXCLUDED_PACKAGE_COMPONENTS: ReadonlySet<string> = new Set([
  '.git',
  '__pycache__',
  '.DS_Store',
  'manifest.json',
  'manifest.sig',
  'manifest.tmp',
]);

/** True when pyhall leaves this relative path out of the hash (any excluded component, or `*.pyc`). */
export function isExcludedPackagePath(relPath: string): boolean {
  return isExcludedPackageParts(relPath.split('/'), relPath);
}

/** isExcludedPackagePath for a path already split into its components. */
export function isExcludedPackageParts(parts: readonly string[], relPath: string): boolean {
  if (relPath.endsWith('.pyc')) return true;
  for (const part of parts) if (EXCLUDED_PACKAGE_COMPONENTS.has(part)) return true;
  return false;
}

/**
 * pathlib ordering: compare component lists, each component by Unicode code point (which equals
 * UTF-8 byte order), a shorter list first when it is a prefix. So `a/b` < `a/c/d` < `a/c-d` < `a-c`.
 */
export function comparePackagePaths(a: string, b: string): number {
  if (a === b) return 0;
  return compareSplitPaths(a.split('/'), b.split('/'));
}

function compareSplitPaths(pa: string[], pb: string[]): number {
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue; // shared folders: one native comparison, not a loop per character
    const c = compareCodePoints(x, y);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

/** The exact bytes one record contributes: `"<path>\n<size>\n<sha256>\n"` as UTF-8. */
export function packageRecordLine(record: PackageRecord): string {
  return `${record.path}\n${record.size}\n${record.sha256}\n`;
}

/** Sorts paths in place into hash order (splitting each path once, not per comparison). */
export function sortPackagePaths<T>(items: T[], pathOf: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, parts: pathOf(item).split('/') }));
  keyed.sort((x, y) => compareSplitPaths(x.parts, y.parts));
  for (let i = 0; i < keyed.length; i++) items[i] = keyed[i]!.item;
  return items;
}

/** Sorts records in place into hash order and returns the package hash (lowercase hex). */
export function packageHashFromRecords(records: PackageRecord[]): string {
  sortPackagePaths(records, (r) => r.path);
  return packageHashOfOrderedRecords(records);
}

/** The package hash of records already in hash order (not checked). */
export function packageHashOfOrderedRecords(records: readonly PackageRecord[]): string {
  const h = sha256.create();
  for (const r of records) h.update(utf8(packageRecordLine(r)));
  return toHex(h.digest());
}

export interface PackageHashResult {
  package_hash: string;
  /** Hashed files in hash order. */
  records: PackageRecord[];
  /** Files left out of the hash, in the same order. */
  excluded_entries: string[];
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Refuses what the tar reader refuses in a name, so a package hashes (or fails) the same way from
 * files as from an archive: not relative and normalised (`''`, `.`, `..` components, a leading
 * `/`), or a control character (a newline would inject a record).
 */
export function checkPackagePath(path: string): void {
  if (CONTROL.test(path)) {
    throw new TarError('TAR_BAD_NAME', `Path ${JSON.stringify(path)} has a control character (such as a newline)`, { path });
  }
  const parts = path.split('/');
  if (parts.includes('..') || path.startsWith('/')) {
    throw new TarError('TAR_PATH_TRAVERSAL', `Path ${JSON.stringify(path)} is absolute or has a '..' component`, { path });
  }
  if (parts.some((p) => p === '' || p === '.')) {
    throw new TarError('TAR_BAD_NAME', `Path ${JSON.stringify(path)} is empty or not normalised (empty or '.' components)`, { path });
  }
}

/**
 * Hashes a package given as files (e.g. a directory read by the CLI). Paths are relative, `/`
 * separated and normalised; directories are not listed. Bad or duplicate paths throw a TarError.
 */
export function hashPackageFiles(files: Iterable<{ path: string; bytes: Uint8Array }>): PackageHashResult {
  const records: PackageRecord[] = [];
  const excluded: string[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    checkPackagePath(f.path);
    if (seen.has(f.path)) throw new TarError('TAR_DUPLICATE_PATH', `Path ${JSON.stringify(f.path)} is listed twice`, { path: f.path });
    seen.add(f.path);
    if (isExcludedPackagePath(f.path)) excluded.push(f.path);
    else records.push({ path: f.path, size: f.bytes.length, sha256: toHex(sha256(f.bytes)) });
  }
  sortPackagePaths(excluded, (p) => p);
  return { package_hash: packageHashFromRecords(records), records, excluded_entries: excluded };
}
