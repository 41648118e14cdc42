export * from './bytes.js';
export * from './constant-time.js';
export * from './sha256.js';
export * from './pyjson.js';
export * from './jcs.js';
export * from './errors.js';
