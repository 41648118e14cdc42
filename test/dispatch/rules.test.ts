// The Hall's dispatch rules, each test the attack it names: a tenant naming another namespace's
// secret or one of the Hall's own, an http:// or internal target on a public Hall, an unlisted
// Service binding, tool specs that do not hold — refused at enrollment (422 with the path) and,
// for records that reach the registry some other way, again at dispatch, before anything is sent.
// And fail closed on evidence: a result whose outcome cannot be stored is withheld.
import { beforeAll, describe, expect, it } from 'vitest';
import { enrollmentArtifactHash } from '../../src/routing/enrollment-hash.js';
import { defaultStores } from '../../worker/app.js';
import { dispatchCall } from '../../worker/dispatch/dispatch.js';
import type { HallEnv } from '../../worker/env.js';
import { StoreUnavailableError } from '../../worker/stores/errors.js';
import { ADMIN, LOOPBACK, WORKERS, enroll, hall, insertRecord, mcpClient, routeCapabilities, seenByLoopback, seenByWorkerTarget, setUpWorkers, textOf, wcpMeta, type Fetch } from './helpers.js';

let fetch: Fetch;

beforeAll(async () => {
  fetch = hall();
  await setUpWorkers(fetch);
});

interface Problem {
  status: number;
  code: string;
  detail: string;
  issues?: { path: (string | number)[]; message: string }[];
}

async function refused(res: Response): Promise<Problem> {
  const body = (await res.json()) as Problem;
  return { ...body, status: res.status };
}

const base = { worker_id: 'org.demo.dt-probe', worker_species_id: 'wrk.dtest.probe', capabilities: ['cap.dtest.probe'] };

describe('secret names are scoped to the enrolling namespace', () => {
  it('enrollment refuses another namespace\'s secret (422 DISPATCH_TARGET_INVALID at dispatch.auth_secret)', async () => {
    const p = await refused(await enroll(fetch, { ...base, dispatch: { kind: 'https', url: 'https://probe.example/run', auth_secret: 'DISPATCH_ORG_OTHER__TARGET_TOKEN' } }));
    expect(p.status).toBe(422);
    expect(p.code).toBe('DISPATCH_TARGET_INVALID');
    expect(p.issues![0]!.path).toEqual(['dispatch', 'auth_secret']);
    expect(p.detail).toContain('DISPATCH_ORG_DEMO__');
  });

  it('enrollment refuses a Hall secret name outright (400 at dispatch.auth_secret)', async () => {
    for (const name of ['HALL_ADMIN_TOKEN', 'HALL_SIGNING_KEY']) {
      const p = await refused(await enroll(fetch, { ...base, dispatch: { kind: 'mcp', url: 'https://probe.example/mcp', auth_secret: name } }));
      expect(p.status).toBe(400);
      expect(p.issues!.some((i) => i.path.join('.') === 'dispatch.auth_secret')).toBe(true);
    }
  });

  it('a record that names another namespace\'s secret is refused again at dispatch; nothing is sent', async () => {
    await insertRecord({
      worker_id: 'org.demo.dt-borrow',
      worker_species_id: 'wrk.dtest.borrow',
      capabilities: ['cap.dtest.borrow'],
      tools: { 'cap.dtest.borrow': { input_schema: { type: 'object' } } },
      dispatch: { kind: 'https', url: `${LOOPBACK}/https/org.demo.dt-borrow`, auth_secret: 'DISPATCH_ORG_OTHER__TARGET_TOKEN' },
    });
    await routeCapabilities(fetch, { 'cap.dtest.borrow': 'wrk.dtest.borrow' });
    const client = await mcpClient(fetch);
    const result = (await client.callTool({ name: 'cap.dtest.borrow', arguments: {} })) as { content: unknown[]; isError?: boolean; _meta?: Record<string, unknown> };
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^DISPATCH_TARGET_FORBIDDEN: .*DISPATCH_ORG_OTHER__TARGET_TOKEN is not a secret of org.demo/);
    const meta = wcpMeta(result);
    expect(meta.outcome).toMatchObject({ status: 'failed', error_code: 'DISPATCH_TARGET_FORBIDDEN', http_status: null });
    expect(await seenByLoopback(meta.decision_id)).toEqual([]);
  });

  it('a record that names a Hall secret never gets it: no usable target, nothing sent', async () => {
    await insertRecord({
      worker_id: 'org.demo.dt-hallsecret',
      worker_species_id: 'wrk.dtest.hallsecret',
      capabilities: ['cap.dtest.hallsecret'],
      tools: { 'cap.dtest.hallsecret': { input_schema: { type: 'object' } } },
      dispatch: { kind: 'https', url: `${LOOPBACK}/https/org.demo.dt-hallsecret`, auth_secret: 'HALL_ADMIN_TOKEN' },
    });
    await routeCapabilities(fetch, { 'cap.dtest.hallsecret': 'wrk.dtest.hallsecret' });
    const client = await mcpClient(fetch);
    const result = (await client.callTool({ name: 'cap.dtest.hallsecret', arguments: {} })) as { content: unknown[]; isError?: boolean; _meta?: Record<string, unknown> };
    const meta = wcpMeta(result);
    // The gateway does not even list a worker without a valid target; if called, nothing leaves.
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^DISPATCH_NO_TARGET: /);
    expect(await seenByLoopback(meta?.decision_id ?? '(none)')).toEqual([]);
    expect(JSON.stringify(result)).not.toContain(ADMIN);
  });

  it('a missing secret fails closed (DISPATCH_SECRET_MISSING), nothing sent', async () => {
    await insertRecord({
      worker_id: 'org.demo.dt-nosecret',
      worker_species_id: 'wrk.dtest.nosecret',
      capabilities: ['cap.dtest.nosecret'],
      tools: { 'cap.dtest.nosecret': { input_schema: { type: 'object' } } },
      dispatch: { kind: 'https', url: `${LOOPBACK}/https/org.demo.dt-nosecret`, auth_secret: 'DISPATCH_ORG_DEMO__NOT_SET' },
    });
    await routeCapabilities(fetch, { 'cap.dtest.nosecret': 'wrk.dtest.nosecret' });
    const client = await mcpClient(fetch);
    const result = (await client.callTool({ name: 'cap.dtest.nosecret', arguments: {} })) as { content: unknown[]; _meta?: Record<string, unknown> };
    expect(textOf(result)).toMatch(/^DISPATCH_SECRET_MISSING: /);
    expect(await seenByLoopback(wcpMeta(result).decision_id)).toEqual([]);
  });
});

describe('URL rules', () => {
  it('http:// to a non-loopback host is refused even in local dev', async () => {
    const p = await refused(await enroll(fetch, { ...base, dispatch: { kind: 'https', url: 'http://example.com/run' } }));
    expect(p).toMatchObject({ status: 422, code: 'DISPATCH_TARGET_INVALID' });
    expect(p.issues![0]!.path).toEqual(['dispatch', 'url']);
  });

  it('credentials in the URL, other schemes and fragments are refused', async () => {
    for (const url of ['https://user:pw@probe.example/', 'ftp://probe.example/', 'https://probe.example/#x', 'not a url']) {
      expect((await enroll(fetch, { ...base, dispatch: { kind: 'mcp', url } })).status).toBe(422);
    }
  });

  it('a public Hall (no HALL_LOCAL_DEV) refuses loopback, private and http:// targets at enrollment', async () => {
    const publicHall = hall({}, { HALL_LOCAL_DEV: undefined });
    for (const url of ['http://127.0.0.1:9/run', 'https://127.0.0.1/run', 'https://localhost/run', 'https://10.1.2.3/run', 'https://192.168.0.9/', 'https://169.254.169.254/latest', 'https://[::1]/', 'https://0x7f.1/']) {
      const p = await refused(await enroll(publicHall, { ...base, dispatch: { kind: 'https', url } }));
      expect({ url, status: p.status, code: p.code }).toEqual({ url, status: 422, code: 'DISPATCH_TARGET_INVALID' });
    }
    expect((await enroll(publicHall, { ...base, dispatch: { kind: 'https', url: 'https://probe.example/run' } })).status).toBe(201);
  });

  it('a public Hall refuses at dispatch a loopback target enrolled in local dev; nothing is sent', async () => {
    const publicHall = hall({}, { HALL_LOCAL_DEV: undefined });
    const client = await mcpClient(publicHall);
    const result = (await client.callTool({ name: 'cap.dtest.https', arguments: { text: 'x' } })) as { content: unknown[]; _meta?: Record<string, unknown> };
    expect(textOf(result)).toMatch(/^DISPATCH_TARGET_FORBIDDEN: .*internal address|^DISPATCH_TARGET_FORBIDDEN: .*http:\/\//);
    expect(await seenByLoopback(wcpMeta(result).decision_id)).toEqual([]);
  });
});

describe('Service bindings', () => {
  it('a binding not listed for the namespace is refused at enrollment and at dispatch', async () => {
    const p = await refused(await enroll(fetch, { ...base, dispatch: { kind: 'service', service: 'HALL_DB' } }));
    expect(p).toMatchObject({ status: 422, code: 'DISPATCH_TARGET_INVALID' });
    expect(p.issues![0]!.path).toEqual(['dispatch', 'service']);
    // Listed, but for another namespace only.
    const elsewhere = hall({}, { HALL_DISPATCH_SERVICES: 'TARGET=org.other' });
    expect((await enroll(elsewhere, { ...base, dispatch: { kind: 'service', service: 'TARGET' } })).status).toBe(422);
    const client = await mcpClient(elsewhere);
    const result = (await client.callTool({ name: 'cap.dtest.svc', arguments: { text: 'x' } })) as { content: unknown[]; _meta?: Record<string, unknown> };
    expect(textOf(result)).toMatch(/^DISPATCH_TARGET_FORBIDDEN: .*TARGET=org.demo/);
    expect(await seenByWorkerTarget(wcpMeta(result).decision_id)).toEqual([]);
  });
});

describe('tool specs', () => {
  const target = { kind: 'https', url: 'https://probe.example/run' };
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['a tool for a capability the record does not declare', { 'cap.dtest.elsewhere': {} }, 'tools.cap.dtest.elsewhere', 'not among the record'],
    ['an input schema that is not an object schema', { 'cap.dtest.probe': { input_schema: { type: 'string' } } }, 'tools.cap.dtest.probe.input_schema.type', '"object"'],
    ['a misspelt type', { 'cap.dtest.probe': { input_schema: { type: 'object', properties: { a: { type: 'strnig' } } } } }, 'tools.cap.dtest.probe.input_schema.properties.a.type', 'one of'],
    ['required that is not a list of names', { 'cap.dtest.probe': { input_schema: { type: 'object', required: 'a' } } }, 'tools.cap.dtest.probe.input_schema.required', 'list'],
    ['a remote $ref', { 'cap.dtest.probe': { input_schema: { type: 'object', properties: { a: { $ref: 'https://evil.example/s.json' } } } } }, 'tools.cap.dtest.probe.input_schema.properties.a.$ref', 'local reference'],
    ['a catastrophic pattern', { 'cap.dtest.probe': { input_schema: { type: 'object', properties: { a: { type: 'string', pattern: '^(a+)+$' } } } } }, 'tools.cap.dtest.probe.input_schema.properties.a.pattern', 'exponential'],
    ['an invalid pattern', { 'cap.dtest.probe': { output_schema: { type: 'object', properties: { a: { type: 'string', pattern: '([' } } } } }, 'tools.cap.dtest.probe.output_schema.properties.a.pattern', 'not a valid'],
    ['upstream_tool without an mcp target', { 'cap.dtest.probe': { upstream_tool: 'x' } }, 'tools.cap.dtest.probe.upstream_tool', '"mcp"'],
  ];
  for (const [name, tools, path, words] of cases) {
    it(`refuses ${name} (422 TOOL_SPEC_INVALID at ${path})`, async () => {
      const p = await refused(await enroll(fetch, { ...base, dispatch: target, tools }));
      expect(p.status).toBe(422);
      expect(p.code).toBe('TOOL_SPEC_INVALID');
      expect(p.issues!.map((i) => i.path.join('.'))).toContain(path);
      expect(p.issues!.find((i) => i.path.join('.') === path)!.message).toContain(words);
    });
  }

  it('refuses a schema larger than 16 KiB', async () => {
    const props = Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`p${i}`, { type: 'string', description: 'x'.repeat(20) }]));
    const p = await refused(await enroll(fetch, { ...base, dispatch: target, tools: { 'cap.dtest.probe': { input_schema: { type: 'object', properties: props } } } }));
    expect(p).toMatchObject({ status: 422, code: 'TOOL_SPEC_INVALID' });
    expect(p.detail).toContain('16384');
  });

  it('accepts a good spec and stores the record exactly as hashed', async () => {
    const record = { ...base, dispatch: target, tools: { 'cap.dtest.probe': { title: 'Probe', input_schema: { type: 'object', properties: { q: { type: 'string', pattern: '^[a-z]+$' } }, required: ['q'] } } } };
    expect((await enroll(fetch, record)).status).toBe(201);
    const stored = await (await import('cloudflare:test')).env.HALL_DB.prepare('SELECT record_json FROM registry_workers WHERE worker_id = ?1').bind(base.worker_id).first<{ record_json: string }>();
    expect(JSON.parse(stored!.record_json)).toEqual({ ...record, artifact_hash: enrollmentArtifactHash(record) });
  });
});

describe('only what was decided is sent', () => {
  it('arguments or a tool other than the decided ones never leave the Hall (DISPATCH_ARGUMENTS_MISMATCH)', async () => {
    for (const change of [{ arguments: { text: 'not what was decided' } }, { tool: 'cap.dtest.https' }]) {
      const tampering = hall({ dispatcher: (ctx, c) => dispatchCall(ctx, { ...c, ...change }) });
      const client = await mcpClient(tampering);
      const result = (await client.callTool({ name: 'cap.dtest.svc', arguments: { text: 'decided' } })) as { content: unknown[]; _meta?: Record<string, unknown> };
      expect(textOf(result)).toMatch(/^DISPATCH_ARGUMENTS_MISMATCH: /);
      const meta = wcpMeta(result);
      expect(meta.outcome).toMatchObject({ status: 'failed', error_code: 'DISPATCH_ARGUMENTS_MISMATCH' });
      expect(await seenByWorkerTarget(meta.decision_id)).toEqual([]);
    }
  });
});

describe('no result without evidence', () => {
  it('when the outcome cannot be stored, the worker ran but its result is withheld (DISPATCH_OUTCOME_UNRECORDED)', async () => {
    const failing = hall({
      makeStores: (e: HallEnv) => ({
        ...defaultStores(e),
        outcomes: {
          append: async () => {
            throw new StoreUnavailableError('d1', 'appendOutcome', new Error('D1_ERROR: injected'));
          },
          byDecision: async () => null,
        },
      }),
    });
    const client = await mcpClient(failing);
    const result = (await client.callTool({ name: 'cap.dtest.svc', arguments: { text: 'secret result' } })) as { content: unknown[]; isError?: boolean; structuredContent?: unknown; _meta?: Record<string, unknown> };
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^DISPATCH_OUTCOME_UNRECORDED: /);
    expect(JSON.stringify(result)).not.toContain('echo: secret result');
    expect(result.structuredContent).toBeUndefined();
    const meta = wcpMeta(result);
    expect(meta.outcome).toBeNull();
    // The worker did run (the dispatch cannot be undone), exactly once.
    expect(await seenByWorkerTarget(meta.decision_id)).toHaveLength(1);
    expect(WORKERS.service.worker_id).toBe('org.demo.dt-svc');
  });
});
