// The README's CLI workflow (scaffold → enroll → route → observe) is run line by line against a live
// local Hall: every `npx edgehall …` line of that block, in order, with the README's own arguments
// (only the Hall URL, the temp directory and the approval id the Hall hands out are substituted).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveHall, type LiveHall } from '../client/live-hall.js';
import { cli } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The sh block under "### The workflow on the seed Hall". */
function workflowBlock(): string {
  const at = readme.indexOf('### The workflow on the seed Hall');
  expect(at).toBeGreaterThan(0);
  const m = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  return m![1]!;
}

/** Splits a command line the way sh would for these lines (single/double quotes, no expansions). */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

interface Step {
  line: string;
  token: 'tenant' | 'approver';
  argv: string[];
}

function steps(block: string): Step[] {
  const out: Step[] = [];
  for (const raw of block.split('\n')) {
    const line = raw.replace(/\s+#\s.*$/, '').trim();
    if (!line || line.startsWith('#') || line.startsWith('export ')) continue;
    const approver = line.startsWith('EDGEHALL_TOKEN=$(sed') && line.includes('HALL_DEMO_APPROVER_TOKEN');
    const cmd = line.slice(line.indexOf('npx edgehall '));
    expect(cmd.startsWith('npx edgehall '), raw).toBe(true);
    out.push({ line: raw.trim(), token: approver ? 'approver' : 'tenant', argv: words(cmd).slice(2) });
  }
  return out;
}

let hall: LiveHall;
let dir: string;
const APPROVER_TOKEN = `readme-approver-${'0123456789abcdef'.repeat(2)}`;

beforeAll(async () => {
  hall = await startLiveHall();
  dir = mkdtempSync(join(tmpdir(), 'edgehall-readme-'));
  // The local Hall of the README has a demo approver (npm start seeds it); this one gets the same.
  const res = await fetch(`${hall.url}/admin/approvers/demo-approver`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${hall.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ token: APPROVER_TOKEN, tenants: ['demo'], level: 'gatekeeper' }),
  });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await hall?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('README: the CLI workflow on the seed Hall', () => {
  it('every line runs and ends as the README says', async () => {
    const block = workflowBlock();
    expect(block).toContain("export EDGEHALL_TOKEN=$(sed -n 's/^HALL_DEMO_TENANT_TOKEN=//p' .dev.vars)");
    let approvalId: string | null = null;
    const ran: string[] = [];
    for (const step of steps(block)) {
      const argv = step.argv.map((a) => {
        if (a === 'http://127.0.0.1:8787') return hall.url;
        if (a === '<approval_id>') return approvalId ?? '<approval_id>';
        if (a.startsWith('kv-seed/')) return join(root, a);
        if (a.startsWith('./')) return join(dir, a.slice(2));
        if (/^[\w-]+\.(jsonl|json|checkpoint)$/.test(a)) return join(dir, a);
        return a;
      });
      // `follow` runs until Ctrl-C in a terminal; here it is bounded.
      if (argv[0] === 'decisions' && argv[1] === 'follow') argv.push('--for-ms', '300');
      const env = { EDGEHALL_URL: hall.url, EDGEHALL_TOKEN: step.token === 'approver' ? APPROVER_TOKEN : hall.demoToken };
      const r = await cli(argv, env);
      ran.push(argv.slice(0, 2).join(' '));
      // The README says this request is denied until a human approves it.
      const expected = step.line.includes('route-require-human.json') && !step.line.includes('--approval-id') ? 1 : 0;
      expect(r.code, `${step.line}\n${r.err}`).toBe(expected);
      if (expected === 1) {
        const pending = await fetch(`${hall.url}/wcp/approvals/pending?tenant_id=demo`, { headers: { authorization: `Bearer ${APPROVER_TOKEN}` } });
        const body = (await pending.json()) as { approvals: { approval_id: string }[] };
        approvalId = body.approvals.at(-1)!.approval_id;
        expect(r.out + r.err).toContain(approvalId);
      }
      if (argv[0] === 'approvals' && argv[1] === 'list') expect(r.out).toContain(approvalId!);
      if (argv[0] === 'receipts' && argv[1] === 'verify') expect(r.out).toMatch(/verified seq 1\.\.\d+/);
    }
    expect(ran).toEqual(expect.arrayContaining([`scaffold ${join(dir, 'translator')}`, `enroll ${join(dir, 'translator', 'registry_record.json')}`]));
    expect(ran.filter((r) => r.startsWith('receipts verify'))).toHaveLength(3);
  });
});
