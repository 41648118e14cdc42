export * from './errors.js';
export * from './limits.js';
export * from './package-hash.js';
export * from './ingest.js';
export type { PackageSource } from './tar/source.js';
export { TarReader, type TarEntry, type TarEntryType, type TarBodySink, type TarEntryHandler } from './tar/reader.js';
export {
  createFileDigest,
  chooseDigestEngine,
  NOBLE_DIGEST_MAX_BYTES,
  BUFFERED_DIGEST_MAX_BYTES,
  type Sha256Factory,
  type IncrementalSha256,
  type FileDigest,
  type DigestEngine,
} from './tar/digest.js';
export * from './manifest/index.js';
export * from './verify-archive.js';
export * from '../crypto/index.js';
