// Transparency log primitives: RFC 9162 Merkle tree hashing and proofs, C2SP signed checkpoints.
export * from './codes.js';
export * from './base64.js';
export * from './merkle.js';
export * from './checkpoint.js';
export * from './origin.js';
