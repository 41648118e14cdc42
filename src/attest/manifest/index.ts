export * from './codes.js';
export * from './namespace.js';
export * from './payload.js';
export * from './schema.js';
export * from './build.js';
export * from './verify.js';
