// tools/list through the official SDK client: what a tenant cannot call it does not see. The list is
// a rehearsal with the same engine (nothing is recorded), and each tool is described by the selected
// worker's own record.
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { pageAfter } from '../../worker/mcp/list-cursor.js';
import { ADMIN, DEMO, SUMMARIZE_SCHEMA, connect, gateway, post, seedHall } from './helpers.js';

beforeAll(seedHall);

const WCP = 'org.edgehall/wcp';

async function rpcError(p: Promise<unknown>): Promise<McpError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(McpError);
  return err as McpError;
}

describe('tools/list', () => {
  it('lists the dispatchable capabilities the tenant may call, described by the worker record', async () => {
    const client = await connect(gateway().fetch, DEMO);
    const { tools, nextCursor } = await client.listTools();
    expect(nextCursor).toBeUndefined();
    const names = tools.map((t) => t.name);
    expect(names).toContain('cap.doc.summarize');
    const summarize = tools.find((t) => t.name === 'cap.doc.summarize')!;
    expect(summarize.title).toBe('Summarize a text');
    expect(summarize.description).toBe('Extractive summary of a text.');
    expect(summarize.inputSchema).toEqual(SUMMARIZE_SCHEMA);
    expect(summarize.outputSchema).toEqual({ type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] });
    expect(summarize._meta?.[WCP]).toEqual({ worker_id: 'org.demo.doc-summarizer', worker_species_id: 'wrk.doc.summarizer', requires_approval: false });
    // Denied by the engine (no rule routes it): not listed.
    expect(names).not.toContain('cap.mcp.unruled');
    // Allowed, but its worker has no dispatch target: the gateway could not run it, so it is not listed.
    expect(names).not.toContain('cap.doc.chunk');
    // Stable order (code points).
    expect([...names].sort()).toEqual(names);
  });

  it('a tool needing a human stays visible, marked; an env the tenant record refuses hides everything', async () => {
    const client = await connect(gateway().fetch, DEMO);
    const gated = await client.listTools({ _meta: { [WCP]: { env: 'prod', data_label: 'RESTRICTED' } } });
    const summarize = gated.tools.find((t) => t.name === 'cap.doc.summarize');
    expect(summarize?._meta?.[WCP]).toMatchObject({ requires_approval: true });
    // The demo tenant's record allows dev, stage and prod only.
    expect((await client.listTools({ _meta: { [WCP]: { env: 'edge' } } })).tools).toEqual([]);
  });

  it('refuses an unknown _meta key or value with its path (-32602)', async () => {
    const client = await connect(gateway().fetch, DEMO);
    const e1 = await rpcError(client.listTools({ _meta: { [WCP]: { enviroment: 'dev' } } }));
    expect(e1.code).toBe(-32602);
    expect(JSON.stringify(e1.data)).toContain('enviroment');
    const e2 = await rpcError(client.listTools({ _meta: { [WCP]: { env: 'moon' } } }));
    expect(e2.code).toBe(-32602);
  });

  it('an invalid cursor is -32602', async () => {
    const client = await connect(gateway().fetch, DEMO);
    for (const cursor of ['bogus', '', 'eyJ2IjoyfQ', 'x'.repeat(2000)]) {
      const e = await rpcError(client.listTools({ cursor }));
      expect(e.code).toBe(-32602);
      expect(e.message).toContain('Invalid cursor');
    }
  });

  it('the admin token must name the tenant; with it, the tenant\'s view', async () => {
    const client = await connect(gateway().fetch, ADMIN);
    const e = await rpcError(client.listTools());
    expect(e.code).toBe(-32602);
    expect(e.message).toContain('TENANT_REQUIRED');
    const asDemo = await client.listTools({ _meta: { [WCP]: { tenant_id: 'demo' } } });
    expect(asDemo.tools.map((t) => t.name)).toContain('cap.doc.summarize');
  });

  it('a tenant token cannot list for another tenant', async () => {
    const client = await connect(gateway().fetch, DEMO);
    const e = await rpcError(client.listTools({ _meta: { [WCP]: { tenant_id: 'other' } } }));
    expect(e.code).toBe(-32602);
    expect(e.message).toContain('TENANT_FORBIDDEN');
  });

  it('pages with an opaque cursor after the last id of the page', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const keepOdd = (id: string) => (id === 'b' || id === 'd' ? null : id);
    const first = pageAfter(ids, undefined, 2, keepOdd);
    expect(first.items).toEqual(['a', 'c']);
    expect(first.next).toBeDefined();
    // The cursor names 'c'; the next page starts after it.
    const cursorBody = JSON.parse(atob(first.next!.replace(/-/g, '+').replace(/_/g, '/')));
    expect(cursorBody).toEqual({ v: 1, after: 'c' });
    const second = pageAfter(ids, 'c', 2, keepOdd);
    expect(second).toEqual({ items: ['e'], next: undefined });
  });

  it('lists nothing for the approver token (403) and nothing without a token (401)', async () => {
    const { fetch } = gateway();
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    expect((await post(fetch, list, {}, null)).status).toBe(401);
    const res = await post(fetch, list, {}, (await import('./helpers.js')).APPROVER);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('APPROVER_CANNOT_CALL_TOOLS');
  });
});
