// A dispatch target for tests: an auxiliary Worker reached through a Service binding (test/dispatch
// binds it as TARGET). It re-verifies every dispatch with the SDK's verifyDispatch against the
// Hall's JWKS (binding TARGET_JWKS), keeps what it saw (headers and body) per decision id for the
// test to read back (GET /__seen/<decision_id>), and misbehaves on request — the tool argument
// `mode` chooses: echo (default) | hang | fail | garbage | badshape | big | redirect | structured.
import { verifyDispatch } from '../../src/dispatch/verify-dispatch.js';

interface TargetEnv {
  TARGET_JWKS: string;
}

interface Seen {
  path: string;
  headers: Record<string, string>;
  body: string;
}

const seen = new Map<string, Seen[]>();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function argumentsOf(body: string): Record<string, unknown> {
  try {
    const a = (JSON.parse(body) as { route_input?: { request?: { arguments?: unknown } } }).route_input?.request?.arguments;
    return a && typeof a === 'object' ? (a as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export default {
  async fetch(request: Request, env: TargetEnv): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname.startsWith('/__seen/')) {
      return json({ seen: seen.get(decodeURIComponent(url.pathname.slice('/__seen/'.length))) ?? [] });
    }
    if (request.method === 'GET' && url.pathname === '/__seen') return json({ count: [...seen.values()].reduce((n, l) => n + l.length, 0) });

    const body = await request.clone().text();
    const decision = request.headers.get('x-wcp-decision-id') ?? '(none)';
    const record: Seen = { path: url.pathname, headers: Object.fromEntries(request.headers), body };
    seen.set(decision, [...(seen.get(decision) ?? []), record]);

    const args = argumentsOf(body);
    switch (args['mode']) {
      case 'hang':
        await sleep(typeof args['ms'] === 'number' ? args['ms'] : 5_000);
        return json({ content: [{ type: 'text', text: 'too late' }] });
      case 'fail':
        return new Response('internal failure of the test target', { status: 500 });
      case 'garbage':
        return new Response('this is {not json', { status: 200, headers: { 'content-type': 'application/json' } });
      case 'badshape':
        return json({ content: 'not a list', extra: true });
      case 'big':
        return json({ content: [{ type: 'text', text: 'x'.repeat(1_100_000) }] });
      case 'redirect':
        return new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/' } });
      default:
        break;
    }
    // /w/<worker_id>: the worker this path speaks for.
    const workerId = decodeURIComponent(url.pathname.split('/')[2] ?? '');
    const verdict = await verifyDispatch(request, { jwks: JSON.parse(env.TARGET_JWKS) as unknown, workerId });
    if (!verdict.ok) return json({ content: [{ type: 'text', text: `${verdict.code}: ${verdict.message}` }], isError: true }, 403);
    if (args['mode'] === 'structured') return json({ content: [{ type: 'text', text: 'structured' }], structuredContent: { count: args['count'] ?? 'not a number' } });
    return json({
      content: [{ type: 'text', text: `echo: ${String(args['text'] ?? '')}` }],
      structuredContent: { echo: verdict.arguments, decision_id: verdict.decisionId, worker_id: workerId },
      _meta: { 'org.edgehall/wcp': { forged: true }, 'com.example/trace': 'kept' },
    });
  },
};
