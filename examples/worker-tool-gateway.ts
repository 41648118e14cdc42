// A Cloudflare Worker that puts a Hall in front of its tools: POST /tools/<capability_id> with a
// JSON body runs only when the Hall allows it, and the answer carries the receipt.
//
//   wrangler.toml:  [vars] HALL_URL = "https://hall.example.com"   (secret: HALL_TOKEN)
//   Optional service binding to a Hall deployed on the same account: [[services]] binding = "HALL"
import { HallApiError, HallClient } from 'edgehall/client';

interface Env {
  HALL_URL: string;
  HALL_TOKEN: string;
  HALL_TENANT?: string;
  /** A service binding to the Hall worker: requests skip the public internet. */
  HALL?: { fetch(input: Request | string | URL, init?: RequestInit): Promise<Response> };
}

// One client per isolate: it caches the Hall's public keys between requests.
let client: HallClient | undefined;
function hallFor(env: Env): HallClient {
  client ??= new HallClient({
    baseUrl: env.HALL_URL,
    token: env.HALL_TOKEN,
    timeoutMs: 3_000,
    ...(env.HALL ? { fetch: (input: Request | string | URL, init?: RequestInit) => env.HALL!.fetch(input, init) } : {}),
  });
  return client;
}

const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const match = /^\/tools\/([a-z0-9.\-_]+)$/.exec(url.pathname);
    if (request.method !== 'POST' || !match) return json({ error: 'POST /tools/<capability_id>' }, 404);
    const args = (await request.json().catch(() => null)) as Record<string, unknown> | null;
    if (!args || typeof args !== 'object') return json({ error: 'the body must be a JSON object' }, 400);

    try {
      const { decision, receipt } = await hallFor(env).route({
        tenant_id: env.HALL_TENANT ?? 'demo',
        capability_id: match[1]!,
        env: 'prod' === url.searchParams.get('env') ? 'prod' : 'dev',
        data_label: 'INTERNAL',
        tenant_risk: 'low',
        qos_class: 'P2',
        correlation_id: request.headers.get('x-correlation-id') ?? crypto.randomUUID(),
        request: args,
      });
      if (decision.denied) {
        return json({ allowed: false, code: decision.deny_reason_if_denied?.code, receipt_id: receipt.receipt_id }, 403);
      }
      // Dispatch to the selected worker here; this example echoes what would run.
      return json({ allowed: true, worker: decision.selected_worker_species_id, receipt_id: receipt.receipt_id, receipt_seq: receipt.seq });
    } catch (err) {
      // Fail closed: no decision (Hall down, bad token, unverifiable receipt) means no dispatch.
      const code = err instanceof HallApiError || (err as { code?: unknown })?.code ? String((err as { code: unknown }).code) : 'UNKNOWN';
      return json({ allowed: false, code }, 503);
    }
  },
};
