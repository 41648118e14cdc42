// Dispatch: the envelope the Hall's gateway sends a worker, and the worker's own check of it.
export * from './envelope.js';
export * from './seen-set.js';
export * from './secret-name.js';
export * from './verify-dispatch.js';
