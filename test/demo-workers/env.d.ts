// Bindings the demo-workers suite sees (demo-workers/wrangler.toml + the test-only bindings).
declare namespace Cloudflare {
  interface Env {
    HALL: Fetcher;
    TEST_HALL_KEY: string;
    TEST_HALL_PUBLIC_KEY: Record<string, string>;
    TEST_ROTATED_KEY: string;
    TEST_ROTATED_PUBLIC_KEY: Record<string, string>;
    TEST_REGISTRY_SEED: { worker_id: string; record_json: string }[];
  }
}
