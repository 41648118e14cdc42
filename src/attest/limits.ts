// Limits on what one upload may cost. Every number is checked before the work it bounds is done
// (a declared size before its data is read, the inflate ratio while inflating), so a hostile
// archive is stopped early instead of after it has been fully processed.

export interface TarLimits {
  /** Bytes of the (inflated) tar stream, headers and padding included. */
  maxTotalBytes: number;
  /** Tar headers of any kind (files, directories, pax and GNU long-name headers). */
  maxEntries: number;
  /** Size of one file. */
  maxFileBytes: number;
  /** UTF-8 bytes of one entry path (before the strip prefix is removed). */
  maxPathBytes: number;
  /** UTF-8 bytes of all entry paths together (they are kept in the records and the answer). */
  maxPathBytesTotal: number;
  /** UTF-8 bytes of one path component (255 is NAME_MAX on common file systems). */
  maxComponentBytes: number;
  /** Components (segments) of one entry path after normalisation: `a/b/c.py` is 3. */
  maxPathDepth: number;
  /**
   * Distinct paths in the package tree, files and directories (implied parents included): the
   * memory the path checks hold is proportional to this, not to the bytes of the names.
   */
  maxTreeNodes: number;
  /** Inflated bytes per compressed byte of a .tgz, checked once `inflateRatioGraceBytes` are out. */
  maxInflateRatio: number;
  /** Inflated bytes allowed before the ratio applies (tiny archives compress very well). */
  inflateRatioGraceBytes: number;
  /** Size of one pax extended header or GNU long name/link entry (these are buffered). */
  maxMetaBytes: number;
  /** Size of the captured root manifest (it is buffered, not hashed). */
  maxManifestBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_TAR_LIMITS: Readonly<TarLimits> = Object.freeze({
  maxTotalBytes: 512 * MiB,
  maxEntries: 20_000,
  maxFileBytes: 128 * MiB,
  maxPathBytes: 4096,
  maxPathBytesTotal: 16 * MiB,
  maxComponentBytes: 255,
  maxPathDepth: 256,
  maxTreeNodes: 100_000,
  maxInflateRatio: 200,
  inflateRatioGraceBytes: 1 * MiB,
  maxMetaBytes: 64 * 1024,
  maxManifestBytes: 1 * MiB,
});

/** Defaults overlaid with the caller's values; a non-positive or NaN value is a programming error. */
export function resolveTarLimits(overrides?: Partial<TarLimits>): TarLimits {
  const limits: TarLimits = { ...DEFAULT_TAR_LIMITS };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (!(key in DEFAULT_TAR_LIMITS)) throw new TypeError(`unknown tar limit '${key}'`);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value > 0)) throw new TypeError(`tar limit '${key}' must be a positive number`);
    (limits as unknown as Record<string, number>)[key] = value;
  }
  return limits;
}
