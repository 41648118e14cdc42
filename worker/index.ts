// Cloudflare Worker entry: the edge Hall. See docs/hall-api.md.
import { setEd25519Backend } from '../src/crypto/index.js';
import { createHallWorker } from './app.js';

// workerd has native Ed25519. Fixing the backend also avoids the SDK's lazily-detected backend
// promise, which concurrent cold requests would otherwise share while it is pending.
setEd25519Backend('webcrypto');

export { createHallWorker } from './app.js';
// The per-tenant evidence log (Durable Object class bound as HALL_LOG in wrangler.toml).
export { TenantLogObject } from './log/tenant-log-object.js';

const hall = createHallWorker();

export default {
  fetch: (request, env, ctx) => hall.fetch(request, env, ctx),
} satisfies ExportedHandler<import('./env.js').HallEnv>;
