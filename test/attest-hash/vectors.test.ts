import { describe, expect, it } from 'vitest';
import { ingestPackage, TarError } from '../../src/attest/index.js';
import { fixture, loadCases, streamOf } from './helpers.js';

const cases = loadCases().filter((c) => !c.category.startsWith('manifest'));

// The code this implementation chose for each public reject case.
const REJECT_CODES: Record<string, string> = {
  'newline-in-name': 'TAR_BAD_NAME',
  'path-traversal-nested': 'TAR_PATH_TRAVERSAL',
  'absolute-path': 'TAR_PATH_TRAVERSAL',
  'symlink-absolute': 'TAR_LINK_ENTRY',
  hardlink: 'TAR_LINK_ENTRY',
  'duplicate-after-prefix-strip': 'TAR_DUPLICATE_PATH',
  fifo: 'TAR_SPECIAL_ENTRY',
  'block-device': 'TAR_SPECIAL_ENTRY',
  'non-utf8-name': 'TAR_BAD_NAME',
  'truncated-mid-data': 'TAR_TRUNCATED',
};

async function rejection(p: Promise<unknown>): Promise<TarError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TarError) return e;
    throw e;
  }
  throw new Error('expected a TarError, got a result');
}

describe('attestation vectors', () => {
  for (const c of cases) {
    for (const kind of ['tar', 'tgz'] as const) {
      const file = c[kind];
      if (!file) continue;
      const opts = { stripPrefix: c.root_prefix };
      if ('package_hash' in c.expected) {
        const exp = c.expected;
        it(`${c.name}.${kind} hashes like pyhall`, async () => {
          const r = await ingestPackage(fixture(file), opts);
          expect(r.records).toEqual(exp.records);
          expect(r.excluded_entries).toEqual(exp.excluded_entries);
          expect(r.package_hash).toBe(exp.package_hash);
        });
        it(`${c.name}.${kind} same result in 1/7/512/4096-byte chunks`, async () => {
          const bytes = fixture(file);
          for (const size of [1, 7, 512, 4096]) {
            const r = await ingestPackage(streamOf(bytes, size), opts);
            expect(r.package_hash, `chunk ${size}`).toBe(exp.package_hash);
          }
          // Cast: TS 5.9's lib wants ArrayBuffer-backed views; these bytes are never on a SharedArrayBuffer.
          const blob = await ingestPackage(new Blob([bytes as Uint8Array<ArrayBuffer>]), opts);
          expect(blob.package_hash).toBe(exp.package_hash);
        });
      } else {
        it(`${c.name}.${kind} is rejected (${REJECT_CODES[c.name] ?? 'any code'})`, async () => {
          const bytes = fixture(file);
          const e = await rejection(ingestPackage(bytes, opts));
          if (REJECT_CODES[c.name]) expect(e.code).toBe(REJECT_CODES[c.name]);
          for (const size of [1, 7, 512]) {
            const s = await rejection(ingestPackage(streamOf(bytes, size), opts));
            expect(s.code).toBe(e.code);
          }
        });
      }
    }
  }
});
