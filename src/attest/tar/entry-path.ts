// From a stored entry name to the path it has inside the package: the strip prefix is removed
// (it must be there literally — it is never guessed), `.` and empty components are dropped, and
// anything that could escape the root or corrupt the record format is refused.
import { TarError, quoteTarName } from '../errors.js';
import type { TarLimits } from '../limits.js';

// C0 controls (newline would inject a record into "<path>\n<size>\n<sha>\n"), DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const encoder = new TextEncoder();

/** Checks and normalises a strip prefix: relative, `/`-terminated, no `..`; `''` means none. */
export function normaliseStripPrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return '';
  const p = prefix.endsWith('/') ? prefix : prefix + '/';
  if (p.startsWith('/') || p.split('/').includes('..') || CONTROL.test(p)) {
    throw new TypeError(`strip prefix ${JSON.stringify(prefix)} must be a relative path without '..'`);
  }
  return p;
}

/**
 * Returns the normalised package-relative path ('' for the package root itself). `prefix` comes
 * from `normaliseStripPrefix`.
 */
export function packagePathOf(name: string, prefix: string, limits: TarLimits, offset: number): string {
  return packagePartsOf(name, prefix, limits, offset).rel;
}

/**
 * The normalised package-relative path, as a string and as its components (`''` and [] for the
 * package root itself), at most `limits.maxPathDepth` of them. Linear in the length of the name.
 */
export function packagePartsOf(name: string, prefix: string, limits: TarLimits, offset: number): { rel: string; parts: string[] } {
  const bad = (code: 'TAR_BAD_NAME' | 'TAR_PATH_TRAVERSAL', why: string) =>
    new TarError(code, `Entry ${quoteTarName(name)} at byte ${offset} ${why}`, { path: name, offset });
  if (name === '') throw bad('TAR_BAD_NAME', 'has an empty name');
  if (CONTROL.test(name)) throw bad('TAR_BAD_NAME', 'has a control character (such as a newline) in its name');
  if (name.startsWith('/')) throw bad('TAR_PATH_TRAVERSAL', 'has an absolute path');

  let rest = name;
  if (prefix !== '') {
    if (name === prefix || name === prefix.slice(0, -1)) return { rel: '', parts: [] };
    if (!name.startsWith(prefix)) {
      throw new TarError('TAR_OUTSIDE_PREFIX', `Entry ${quoteTarName(name)} at byte ${offset} is not under the strip prefix ${quoteTarName(prefix)}`, {
        path: name,
        offset,
        prefix,
      });
    }
    rest = name.slice(prefix.length);
  }
  // Components are kept in place in the split array ('' and '.' dropped): one pass, one array.
  const parts = rest.split('/');
  let kept = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '' || part === '.') continue;
    if (part === '..') throw bad('TAR_PATH_TRAVERSAL', "has a '..' component");
    if (part.length * 3 > limits.maxComponentBytes && encoder.encode(part).length > limits.maxComponentBytes) {
      throw new TarError('TAR_LIMIT_EXCEEDED', `Entry ${quoteTarName(name)} at byte ${offset} has a name component longer than ${limits.maxComponentBytes} bytes`, {
        limit: 'maxComponentBytes',
        value: limits.maxComponentBytes,
        path: name,
        offset,
      });
    }
    if (kept === limits.maxPathDepth) {
      throw new TarError('TAR_LIMIT_EXCEEDED', `Entry ${quoteTarName(name)} at byte ${offset} is deeper than ${limits.maxPathDepth} path components`, {
        limit: 'maxPathDepth',
        value: limits.maxPathDepth,
        path: name,
        offset,
      });
    }
    parts[kept++] = part;
  }
  const normalised = kept === parts.length;
  parts.length = kept;
  return { rel: normalised ? rest : parts.join('/'), parts };
}
