// A one-line progress bar on stderr, drawn only when stderr is a terminal (never in pipes, CI
// logs or --json consumers) and only for inputs big enough to take a noticeable time.
// Shared by `hash`, `verify` and `sign`.

export interface Progress {
  /** Bytes processed so far. */
  update(done: number): void;
  /** Clears the bar. */
  finish(): void;
}

export interface ProgressOptions {
  /** Total bytes, when known (file size): enables the percentage. */
  total?: number;
  /** Draw nothing for inputs smaller than this (default 8 MiB). */
  minBytes?: number;
  /** Where to draw (default process.stderr); drawn only if it is a TTY. */
  stream?: NodeJS.WriteStream;
}

const NOOP: Progress = { update() {}, finish() {} };

function mib(n: number): string {
  return (n / 1048576).toFixed(1);
}

export function createProgress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const total = options.total;
  if (!stream.isTTY || (total !== undefined && total < (options.minBytes ?? 8 * 1048576))) return NOOP;
  const start = performance.now();
  let last = 0;
  let drawn = false;
  const draw = (done: number) => {
    const secs = (performance.now() - start) / 1000;
    const rate = secs > 0 ? `${mib(done / secs)} MiB/s` : '';
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 40));
    let line: string;
    if (total) {
      const frac = Math.min(1, done / total);
      const fill = Math.round(frac * width);
      line = `${label} [${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mib(done)}/${mib(total)} MiB ${rate}`;
    } else line = `${label} ${mib(done)} MiB ${rate}`;
    stream.write(`\r${line}\x1b[K`);
    drawn = true;
  };
  return {
    update(done) {
      const now = performance.now();
      if (now - last < 100) return; // ~10 redraws a second is plenty
      last = now;
      draw(done);
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
