// The package's path tree, for the checks that need every path seen so far: a path named twice, a
// path that is both a file and a directory, a file used as a parent, and (on request) two names
// that one file system would store as one. Every node is one path component under its parent (a
// trie), so registering a path costs O(its length) and the tree holds each component once.
// (Keeping a string per ancestor prefix instead costs O(depth x length) per path: 1,000 deep
// 4 KB paths took seconds and >100 MB.) A directory with one child keeps it inline; a Map of
// children is made only at the second child, so a deep chain costs a few bytes of typed array
// and its component string per level. The files come back in hash order from one walk of the
// tree (siblings sorted by code point), so the package hash needs no sort over whole paths.
import { compareCodePoints } from '../../util/pyjson.js';
import { TarError, quoteTarName } from '../errors.js';

export const TREE_DIR = 0;
export const TREE_FILE = 1;
export type TreeKind = typeof TREE_DIR | typeof TREE_FILE;

/** Where an entry came from, for messages. */
export interface TreeEntryRef {
  name: string;
  offset: number;
}

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/**
 * The name a case-insensitive, normalisation-insensitive file system (APFS, NTFS, SMB shares)
 * would treat as the same: NFC, then full case folding (upper then lower case maps `ß` to `ss`
 * like Unicode's full CaseFolding), then NFC again. Linear in the name's length.
 */
export function foldedName(name: string): string {
  if (ASCII.test(name)) return name.toLowerCase();
  return name.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}

export class PathTree {
  // Per node, indexed by node id. Node 0 is the package root and never anyone's child.
  private kinds = new Uint8Array(64);
  /** First child's id, 0 for none. */
  private first = new Int32Array(64);
  /** The node's own component. */
  private readonly names: string[] = [''];
  private count = 1;
  /** Children by component of the directories that have two or more (the first child included). */
  private readonly many = new Map<number, Map<string, number>>();
  /** Only when collisions are refused: `<parent id>/<folded component>` → node id. */
  private readonly folded: Map<string, number> | null;

  constructor(
    private readonly maxNodes: number,
    refuseCollisions: boolean,
  ) {
    this.folded = refuseCollisions ? new Map() : null;
  }

  /** Files and directories registered so far (the root not counted). */
  get nodes(): number {
    return this.count - 1;
  }

  private child(node: number, part: string): number | undefined {
    const f = this.first[node]!;
    if (f === 0) return undefined;
    if (this.names[f] === part) return f;
    return this.many.get(node)?.get(part);
  }

  /**
   * Registers a normalised path (its components, at least one) as a file or directory; its
   * ancestors become directories. Returns the node id. Throws TAR_DUPLICATE_PATH,
   * TAR_PATH_CONFLICT, TAR_NAME_COLLISION or TAR_LIMIT_EXCEEDED (maxTreeNodes).
   */
  claim(parts: readonly string[], kind: TreeKind, e: TreeEntryRef): number {
    let node = 0;
    const last = parts.length - 1;
    for (let i = 0; i <= last; i++) {
      const part = parts[i]!;
      const child = this.child(node, part);
      if (child === undefined) {
        node = this.add(node, part, i === last ? kind : TREE_DIR, parts, i, e);
        continue;
      }
      const have = this.kinds[child];
      if (i < last) {
        if (have === TREE_FILE) {
          const parent = parts.slice(0, i + 1).join('/');
          throw new TarError('TAR_PATH_CONFLICT', `Entry ${quoteTarName(e.name)} at byte ${e.offset}: ${quoteTarName(parent)} is a file but is used as a directory`, {
            path: parts.join('/'),
            offset: e.offset,
          });
        }
      } else if (have === TREE_FILE && kind === TREE_FILE) {
        const rel = parts.join('/');
        throw new TarError('TAR_DUPLICATE_PATH', `Entry ${quoteTarName(e.name)} at byte ${e.offset} names the file ${quoteTarName(rel)} a second time`, { path: rel, offset: e.offset });
      } else if (have !== kind) {
        const rel = parts.join('/');
        throw new TarError('TAR_PATH_CONFLICT', `Entry ${quoteTarName(e.name)} at byte ${e.offset}: ${quoteTarName(rel)} is both a file and a directory`, { path: rel, offset: e.offset });
      }
      // else: a directory listed twice (or implied, then listed) is harmless
      node = child;
    }
    return node;
  }

  /**
   * The file nodes in package-hash order: pathlib's component-wise code-point order, which is a
   * depth-first walk with each directory's children sorted by code point. O(nodes) plus the
   * sorting of siblings by their own (short) names.
   */
  filesInOrder(): number[] {
    const out: number[] = [];
    const stack: number[] = [0];
    const byName = (a: number, b: number) => compareCodePoints(this.names[a]!, this.names[b]!);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (this.kinds[n] === TREE_FILE) {
        out.push(n);
        continue;
      }
      const f = this.first[n]!;
      if (f === 0) continue;
      const m = this.many.get(n);
      if (m === undefined) {
        stack.push(f);
        continue;
      }
      const kids = [...m.values()].sort(byName);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
    return out;
  }

  private add(parent: number, part: string, kind: TreeKind, parts: readonly string[], i: number, e: TreeEntryRef): number {
    if (this.count > this.maxNodes) {
      throw new TarError('TAR_LIMIT_EXCEEDED', `Entry ${quoteTarName(e.name)} at byte ${e.offset}: the package has more than ${this.maxNodes} files and directories`, {
        limit: 'maxTreeNodes',
        value: this.maxNodes,
        offset: e.offset,
      });
    }
    const id = this.count;
    if (this.folded !== null) {
      const fkey = `${parent}/${foldedName(part)}`;
      const other = this.folded.get(fkey);
      if (other !== undefined) {
        const otherName = this.names[other]!;
        const path = parts.slice(0, i + 1).join('/');
        const otherPath = [...parts.slice(0, i), otherName].join('/');
        const how = part.normalize('NFC') === otherName.normalize('NFC') ? 'Unicode normalisation (NFC)' : 'case folding';
        throw new TarError(
          'TAR_NAME_COLLISION',
          `Entry ${quoteTarName(e.name)} at byte ${e.offset}: ${quoteTarName(path)} and ${quoteTarName(otherPath)} collide under ${how}; a case-insensitive or normalising file system (macOS, Windows) would store them as one`,
          { path, other: otherPath, offset: e.offset },
        );
      }
      this.folded.set(fkey, id);
    }
    if (id === this.kinds.length) {
      const kinds = new Uint8Array(id * 2);
      kinds.set(this.kinds);
      this.kinds = kinds;
      const first = new Int32Array(id * 2);
      first.set(this.first);
      this.first = first;
    }
    this.count++;
    this.kinds[id] = kind;
    this.names.push(part);
    const f = this.first[parent]!;
    if (f === 0) this.first[parent] = id;
    else {
      const m = this.many.get(parent);
      if (m !== undefined) m.set(part, id);
      else this.many.set(parent, new Map([[this.names[f]!, f], [part, id]]));
    }
    return id;
  }
}
