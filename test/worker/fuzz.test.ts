// 1,000 generated malformed requests (seeded, reproducible): bodies for every JSON endpoint and
// queries for every filtered list. The Hall must answer each with a 4xx application/problem+json
// carrying a code — never a 5xx, never a decision.
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../support/prng.js';
import { ADMIN, DEMO, call, routeInput, seedKv } from './helpers.js';

const rand = mulberry32(0xed9e4a11);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (n: number) => Math.floor(rand() * n);
const junkString = () => pick(['', ' ', '\t\n', 'PROD', 'Dev', 'critical', 'P4', '💥', '\u0000', 'a'.repeat(300), '<script>', '../../etc', 'null']);
const wrongType = () => pick<unknown>([null, 0, -1, 1.5, true, false, [], [1], {}, { a: 1 }, 'x', 1e308]);

type Case = { method: string; path: string; body?: string | Uint8Array; token?: string; what: string };

// Mutations that make a valid RouteInput invalid (each one alone is enough).
const ROUTE_MUTATIONS: ((b: Record<string, unknown>) => void)[] = [
  (b) => delete b[pick(['capability_id', 'env', 'data_label', 'tenant_risk', 'qos_class', 'tenant_id', 'correlation_id'])],
  (b) => (b[pick(['capability_id', 'tenant_id', 'correlation_id'])] = pick([null, 0, 1, true, [], {}, ['x']])),
  (b) => (b[pick(['env', 'data_label', 'tenant_risk', 'qos_class'])] = pick([junkString(), wrongType()].filter((v) => !['dev', 'stage', 'prod', 'edge', 'PUBLIC', 'INTERNAL', 'RESTRICTED', 'low', 'medium', 'high', 'P0', 'P1', 'P2', 'P3'].includes(v as string)))),
  (b) => (b['tenant_id'] = pick(['', ' ', '\t', '\u3000', 'x'.repeat(300)])),
  (b) => (b['correlation_id'] = pick(['', 'x'.repeat(300)])),
  (b) => (b['capability_id'] = pick(['', 'c'.repeat(300)])),
  (b) => (b['request'] = pick([null, [], 'text', 7, true])),
  (b) => (b['blast_score'] = pick(['50', true, 1.5, [], {}, 'high'])),
  (b) => (b['dry_run'] = pick(['yes', 1, 'true', null, []])),
  (b) => (b['blast_radius'] = pick(['big', 3, [1, 2]])),
  (b) => (b['privilege_context'] = pick(['admin', 1, [true]])),
  (b) => (b['tenant_credential'] = pick([5, {}, [], 'x'.repeat(5000)])),
  (b) => (b['approval_id'] = pick(['not-a-uuid', 42, '', '00000000-0000-0000-0000-00000000000g'])),
  (b) => {
    let deep: unknown = 1;
    for (let i = 0; i < 65 + int(40); i++) deep = [deep];
    b['request'] = { deep };
  },
];

function routeCase(): Case {
  const kind = int(10);
  if (kind === 0) {
    const text = JSON.stringify(routeInput());
    return { method: 'POST', path: '/route', body: text.slice(0, int(text.length)), token: DEMO, what: 'truncated JSON' };
  }
  if (kind === 1) return { method: 'POST', path: '/route', body: pick(['[]', '42', '"text"', 'null', 'true', '{', '}{', '{"a":1,}', '\u0000', 'NaN']), token: DEMO, what: 'non-object JSON' };
  if (kind === 2) return { method: 'POST', path: '/route', body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), token: DEMO, what: 'invalid UTF-8' };
  if (kind === 3) return { method: 'POST', path: '/route', body: JSON.stringify(routeInput({ request: { pad: 'x'.repeat(70_000 + int(10_000)) } })), token: DEMO, what: 'too large' };
  const body = routeInput();
  const n = 1 + int(3);
  for (let i = 0; i < n; i++) pick(ROUTE_MUTATIONS)(body);
  return { method: 'POST', path: '/route', body: JSON.stringify(body), token: pick([DEMO, DEMO, ADMIN]), what: 'mutated RouteInput' };
}

function enrollCase(): Case {
  const r: Record<string, unknown> = { worker_id: 'org.demo.fuzz', worker_species_id: 'wrk.fuzz.thing', capabilities: ['cap.fuzz'], artifact_hash: 'sha256:' + '0'.repeat(64) };
  const m = int(7);
  if (m === 0) r['worker_id'] = wrongType();
  else if (m === 1) r['worker_species_id'] = pick(['', null, 5]);
  else if (m === 2) r['artifact_hash'] = pick(['', 'md5:abc', 'sha256:XYZ', 7]);
  else if (m === 3) r['capabilities'] = pick(['cap.x', 3, [1]]);
  else if (m === 4) r['currently_implements'] = pick([['not-a-control'], 'ctrl.x', [null]]);
  else if (m === 5) r['signature'] = pick(['short', 5, 'x'.repeat(86) + '=']);
  // m === 6: a well-formed record whose artifact_hash is wrong (400 DENY_WORKER_TAMPERED)
  return { method: 'POST', path: '/enroll', body: JSON.stringify(r), token: DEMO, what: 'bad registry record' };
}

function adminBodyCase(): Case {
  const target = pick(['/admin/config', '/admin/rules', '/admin/policy', '/admin/namespaces/org.demo', '/admin/ban-list', '/admin/tenants/fuzz-tenant', '/admin/approvers/fuzz']);
  const bodies: Record<string, () => unknown> = {
    '/admin/config': () => ({ [pick(['require_signatory', 'allowed_tenants', 'enforce_correlation_id', 'unknown_flag'])]: pick(['yes', 1, null, [1], { a: 1 }]) }),
    '/admin/rules': () => pick([{ rules: 'x' }, { rules: [{ match: {} }] }, { rules: [{ rule_id: 5 }] }, [], { rules: [{ rule_id: 'a', match: { env: ['dev'] } }, { rule_id: 'a' }] }]),
    '/admin/policy': () => pick([{}, { policy_version: '' }, { policy_version: 'p', rules: [{ decision: 'NOPE', reason: 'r' }] }, { policy_version: 'p', rules: 'x' }]),
    '/admin/namespaces/org.demo': () => pick([{}, { keys: [] }, { keys: [{ kty: 'RSA' }] }, { keys: 'x' }, { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc', kid: 'k' }] }]),
    '/admin/ban-list': () => pick([{}, { add: 'x' }, { add: [{ hash: 'abc', reason: 'r' }] }, { remove: [5] }, { add: [{ hash: 'a'.repeat(64) }] }]),
    '/admin/tenants/fuzz-tenant': () => pick([{}, { token: 'short' }, { token: 5 }, { token: 'x'.repeat(30), namespaces: ['wrk.bad'] }, { token: 'has spaces in it 0123456789abcdef' }]),
    '/admin/approvers/fuzz': () => pick([{}, { token: 'x'.repeat(30) }, { token: 'x'.repeat(30), tenants: [] }, { token: 'x'.repeat(30), tenants: 'demo' }]),
  };
  const method = target === '/admin/ban-list' ? 'POST' : 'PUT';
  return { method, path: target, body: JSON.stringify(bodies[target]!()), token: ADMIN, what: 'bad admin body' };
}

function resolveCase(): Case {
  const body = pick<unknown>([{}, { decision: 'maybe' }, { decision: 5 }, { decision: 'approve', reason: 'x'.repeat(600) }, { decision: 'approve', extra: 1 }, []]);
  return { method: 'POST', path: `/wcp/approvals/${crypto.randomUUID()}/resolve`, body: JSON.stringify(body), token: ADMIN, what: 'bad resolution' };
}

function queryCase(): Case {
  const bad: Record<string, string[]> = {
    '/decisions': ['limit=0', 'limit=-3', 'limit=abc', 'limit=99999', 'denied=yes', 'denied=1', 'since=not-a-date', 'until=2026-13-45T00:00:00Z', 'cursor=%25%25', 'cursor=' + 'A'.repeat(40), 'deny_code=deny_lower', 'nope=1', 'tenant_id=', 'capability_id=' + 'c'.repeat(300), 'limit=1&limit=2'],
    '/receipts': ['', 'tenant_id=', 'tenant_id=demo&after_seq=-1', 'tenant_id=demo&after_seq=x', 'tenant_id=demo&limit=0', 'tenant_id=demo&limit=5000', 'tenant_id=demo&extra=1', 'after_seq=3'],
    '/wcp/workers': ['limit=0', 'limit=501', 'cursor=abc', 'cursor=-1', 'bogus=1', 'capability_id='],
    '/wcp/approvals/pending': ['limit=0', 'limit=x', 'tenant_id=', 'other=1'],
    '/attest/verify': ['', 'worker_id=x', 'species=y', 'worker_id=&species=', 'worker_id=x&species=y&strip_prefix=', 'worker_id=x&species=y&z=1'],
  };
  const path = pick(Object.keys(bad));
  const qs = pick(bad[path]!);
  return { method: path === '/attest/verify' ? 'POST' : 'GET', path: `${path}?${qs}`, token: pick([DEMO, ADMIN]), what: 'bad query', ...(path === '/attest/verify' ? { body: 'x' } : {}) };
}

function authCase(): Case {
  const headersOnly = pick([undefined, 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer a b c', 'bearer ' + 'x'.repeat(600), 'Bearer wrong-token-0000000000000000']);
  return { method: pick(['POST', 'GET']), path: pick(['/route', '/decisions', '/admin/rules', '/receipts?tenant_id=demo', '/wcp/approvals/pending']), what: `auth ${headersOnly}`, ...(headersOnly ? { token: `__raw__${headersOnly}` } : {}), body: '{}' };
}

function authzCase(): Case {
  // A valid tenant token where it has no business: admin routes, other tenants' data.
  const c = pick<Case>([
    { method: 'PUT', path: '/admin/rules', body: '{"rules": []}', what: 'tenant on admin' },
    { method: 'POST', path: '/admin/ban-list', body: '{}', what: 'tenant on admin' },
    { method: 'GET', path: '/decisions?tenant_id=someone-else', what: 'other tenant' },
    { method: 'GET', path: '/receipts?tenant_id=someone-else', what: 'other tenant' },
    { method: 'POST', path: '/route', body: JSON.stringify(routeInput({ tenant_id: 'someone-else' })), what: 'other tenant route' },
  ]);
  return { ...c, token: DEMO };
}

function pathCase(): Case {
  // Odd path parameters: broken percent-encoding, overlong, traversal-looking, unknown ids.
  const seg = pick(['%zz', '%E0%A4%A', '%', '%ff%fe', 'x'.repeat(300), '..%2F..%2Fetc', '%00', crypto.randomUUID(), 'org.demo.%ZZ']);
  const c = pick<Omit<Case, 'what'>>([
    { method: 'GET', path: `/decisions/${seg}`, token: DEMO },
    { method: 'GET', path: `/receipts/${seg}`, token: DEMO },
    { method: 'GET', path: `/wcp/approvals/${seg}`, token: ADMIN },
    { method: 'POST', path: `/wcp/approvals/${seg}/resolve`, token: ADMIN, body: '{"decision":"approve"}' },
    { method: 'DELETE', path: `/workers/${seg}`, token: ADMIN },
    { method: 'POST', path: `/workers/${seg}/attestation`, token: DEMO, body: 'x' },
    { method: 'PUT', path: `/admin/namespaces/${seg}`, token: ADMIN, body: '{"keys":[]}' },
    { method: 'GET', path: `/wcp/namespaces/${seg}` },
    { method: 'PUT', path: `/admin/tenants/${seg}`, token: ADMIN, body: '{}' },
  ]);
  return { ...c, what: `path ${seg.slice(0, 20)}` };
}

const GENERATORS = [pathCase, authzCase, routeCase, routeCase, routeCase, routeCase, enrollCase, adminBodyCase, resolveCase, queryCase, queryCase, authCase];

beforeAll(seedKv);

describe('1,000 malformed requests', () => {
  it('every one is a 4xx problem+json with a code, never a 5xx', { timeout: 300_000 }, async () => {
    const cases: Case[] = Array.from({ length: 1000 }, () => pick(GENERATORS)());
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (let i = 0; i < cases.length; i += 25) {
      await Promise.all(
        cases.slice(i, i + 25).map(async (c, j) => {
          const headers: Record<string, string> = {};
          if (c.token?.startsWith('__raw__')) headers['authorization'] = c.token.slice(7);
          else if (c.token) headers['authorization'] = `Bearer ${c.token}`;
          const body = c.method === 'GET' ? null : (c.body ?? null);
          const res = await call(c.path, { method: c.method, headers, body });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const text = await res.text();
          let code: unknown = null;
          try {
            code = (JSON.parse(text) as { code?: unknown }).code;
          } catch {
            code = null;
          }
          const ok = res.status >= 400 && res.status < 500 && res.headers.get('content-type') === 'application/problem+json' && typeof code === 'string' && !/"receipt"\s*:/.test(text);
          if (!ok) failures.push(`#${i + j} ${c.what} ${c.method} ${c.path.slice(0, 80)} → ${res.status} ${text.slice(0, 200)}`);
        }),
      );
    }
    expect(failures).toEqual([]);
    expect(cases).toHaveLength(1000);
    // The generator really exercised several refusal kinds.
    for (const s of [400, 401, 403, 413]) expect(statuses.get(s) ?? 0, `status ${s}`).toBeGreaterThan(0);
  });
});
