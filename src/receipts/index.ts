// Evidence receipts: build and sign (Hall side), verify one receipt or a chain (anyone, offline).
export * from './codes.js';
export * from './core.js';
export * from './uuid.js';
export * from './schema.js';
export * from './build.js';
export * from './verify.js';
export * from './admin-log.js';
export * from './outcome.js';
