// Cloudflare Worker entry: the edge Hall. See docs/hall-api.md.
import { createHallWorker } from './app.js';

export { createHallWorker } from './app.js';

const hall = createHallWorker();

export default {
  fetch: (request, env, ctx) => hall.fetch(request, env, ctx),
} satisfies ExportedHandler<import('./env.js').HallEnv>;
