// Per-request context handed to every route handler, and the per-isolate runtime it points into.
import type { HallEnv } from './env.js';
import type { ConfigStore } from './stores/config-store.js';
import type { EvidenceStore } from './stores/evidence-store.js';
import type { RegistryStore } from './stores/registry-store.js';

export interface HallStores {
  config: ConfigStore;
  evidence: EvidenceStore;
  registry: RegistryStore;
  /** Dispatch outcomes (default: D1, worker/dispatch/outcome.ts); tests inject failing ones. */
  outcomes?: import('./stores/outcome-store.js').OutcomeStore;
}

export interface RequestContext {
  request: Request;
  url: URL;
  env: HallEnv;
  stores: HallStores;
  runtime: import('./runtime.js').HallRuntime;
  params: Record<string, string>;
  waitUntil(promise: Promise<unknown>): void;
}
