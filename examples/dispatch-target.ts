// A worker the Hall dispatches to (dispatch kind "https", or "service" through a Service binding):
// it runs a call only after verifyDispatch says the Hall allowed exactly this call, for this worker.
//
//   wrangler.toml:  [vars] HALL_URL = "https://hall.example.com"   WORKER_ID = "org.acme.word-counter"
//   registry record: "dispatch": {"kind": "https", "url": "https://word-counter.acme.example/"}
import { verifyDispatch, type DispatchVerdict } from 'edgehall';

interface Env {
  HALL_URL: string;
  WORKER_ID: string;
}

// The Hall's key set, cached per isolate for a minute; fetched again when a receipt names a key
// the cached set does not hold (the Hall rotated its key).
let keys: { jwks: unknown; at: number } | undefined;
async function hallKeys(env: Env, fresh = false): Promise<unknown> {
  if (!fresh && keys && Date.now() - keys.at < 60_000) return keys.jwks;
  const res = await fetch(new URL('/.well-known/wcp-keys.json', env.HALL_URL));
  if (!res.ok) throw new Error(`the Hall's key set answered HTTP ${res.status}`);
  keys = { jwks: await res.json(), at: Date.now() };
  return keys.jwks;
}

async function verified(request: Request, env: Env): Promise<DispatchVerdict> {
  const again = request.clone();
  const verdict = await verifyDispatch(request, { jwks: await hallKeys(env), workerId: env.WORKER_ID });
  if (verdict.ok || verdict.code !== 'DISPATCH_KEY_UNKNOWN') return verdict;
  return verifyDispatch(again, { jwks: await hallKeys(env, true), workerId: env.WORKER_ID });
}

const result = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const verdict = await verified(request, env);
    // Refused: a 4xx with an error tool result (the Hall records DISPATCH_TARGET_REFUSED).
    if (!verdict.ok) return result({ content: [{ type: 'text', text: `${verdict.code}: ${verdict.message}` }], isError: true }, 403);
    // verdict.arguments are the arguments the Hall decided on (covered by the receipt's artifact_hash).
    const text = typeof verdict.arguments['text'] === 'string' ? verdict.arguments['text'] : '';
    const words = text.split(/\s+/).filter(Boolean).length;
    return result({ content: [{ type: 'text', text: `${words} words` }], structuredContent: { words, decision_id: verdict.decisionId } });
  },
};
