export * from './webcrypto.js';
export * from './ed25519.js';
export * from './hmac.js';
export * from './jwk.js';
export * from './jwk-schema.js';
