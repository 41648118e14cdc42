// Applies the D1 migrations once per test file (idempotent: applyD1Migrations skips applied ones).
import { applyD1Migrations, env } from 'cloudflare:test';

await applyD1Migrations(env.HALL_DB, env.TEST_MIGRATIONS);
