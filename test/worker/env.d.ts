// Bindings the worker suite sees (wrangler.toml + the test-only bindings in vitest.config.ts).
declare namespace Cloudflare {
  interface Env {
    HALL_KV: KVNamespace;
    HALL_DB: D1Database;
    HALL_LOG: DurableObjectNamespace;
    HALL_ADMIN_TOKEN: string;
    HALL_SIGNING_KEY: string;
    HALL_APPROVAL_TTL_MINUTES: string;
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
    TEST_KV_SEED: { key: string; value: string }[];
    TEST_REGISTRY_SEED: { worker_id: string; namespace: string; worker_species_id: string; record_json: string; artifact_hash: string }[];
    TEST_DEMO_TOKEN: string;
    TEST_SECOND_SIGNING_KEY: string;
  }
}
