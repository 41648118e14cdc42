// edgehall: the web-standard SDK core. Everything exported here runs unchanged in browsers,
// Node, Deno, Bun and Workers (WebCrypto + @noble only).
export * from './util/index.js';
export * from './routing/index.js';
export * from './attest/index.js';
export * from './receipts/index.js';
export * from './client/index.js';
export * from './log/index.js';
export * from './taxonomy/index.js';
export * from './dispatch/index.js';
