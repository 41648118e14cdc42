// docs/receipts.md's auditor's walkthrough runs as written: the sh block under "### An auditor's
// walkthrough" is executed by /bin/sh (set -eu) with real curl and jq against a live local Hall, and
// `npx edgehall` running this checkout's CLI (bin/edgehall.js) — only the Hall URL is substituted and
// .dev.vars holds that Hall's demo token. Also: the doc's example checkpoint is a real signed note.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEd25519Signer } from '../../src/crypto/index.js';
import { verifyCheckpoint } from '../../src/verify.js';
import { startLiveHall, type LiveHall } from '../client/live-hall.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const doc = readFileSync(join(root, 'docs', 'receipts.md'), 'utf8');

function blockAfter(heading: string, lang: string): string {
  const at = doc.indexOf(heading);
  expect(at, heading).toBeGreaterThan(0);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(doc.slice(at));
  return m![1]!;
}

let hall: LiveHall;
let dir: string;

beforeAll(async () => {
  hall = await startLiveHall();
  dir = mkdtempSync(join(tmpdir(), 'edgehall-receipts-doc-'));
  // The user's checkout after `npm start`: .dev.vars and kv-seed/ in the working directory.
  writeFileSync(join(dir, '.dev.vars'), `HALL_DEMO_TENANT_TOKEN=${hall.demoToken}\n`);
  symlinkSync(join(root, 'kv-seed'), join(dir, 'kv-seed'));
  // `npx edgehall` = this checkout's CLI, as npx resolves it inside the repository.
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'npx'), `#!/bin/sh\n[ "$1" = edgehall ] || exit 127\nshift\nexec node ${JSON.stringify(join(root, 'bin', 'edgehall.js'))} "$@"\n`);
  chmodSync(join(dir, 'bin', 'npx'), 0o755);
});

afterAll(async () => {
  await hall?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("docs/receipts.md: the auditor's walkthrough", () => {
  it('runs line by line in sh and ends with the audit passing', () => {
    const block = blockAfter("### An auditor's walkthrough", 'sh');
    expect(block).toContain('--checkpoint demo.checkpoint');
    const script = `set -eu\n${block.replaceAll('http://127.0.0.1:8787', hall.url)}`;
    const run = spawnSync('/bin/sh', ['-c', script], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: `${join(dir, 'bin')}:${process.env['PATH']}`, HOME: dir },
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const out = run.stdout;
    // 1: the checkpoint, as served
    expect(out).toMatch(/^edgehall\/log\/demo\n1\n[A-Za-z0-9+/]{43}=\n\n\u2014 edgehall\/log\/demo [A-Za-z0-9+/]+=*\n/m);
    // 2: verified and saved
    expect(out).toContain("verified seq 1..1 (1 receipt) of the live chain of tenant 'demo'");
    expect(out).toContain('included: the 1 verified receipt is a leaf of that tree');
    // 4, 5: the proofs, in the contract's shapes
    expect(out).toMatch(/\{"receipt_id":"[^"]+","leaf_index":0,"tree_size":2,"hashes":\["[^"]+"\],"checkpoint":"edgehall\/log\/demo\\n2\\n/);
    expect(out).toMatch(/\{"from":1,"to":2,"hashes":\["[^"]+"\],"checkpoint":"edgehall\/log\/demo\\n2\\n/);
    // 6: the audit
    expect(out).toContain('consistent: the log of 2 receipts extends your checkpoint of 1');
    expect(readFileSync(join(dir, 'demo.checkpoint'), 'utf8')).toMatch(/^edgehall\/log\/demo\n2\n/);
  });

  it("the doc's example checkpoint is a real signed note (Ed25519 seed of 32 × 0x07)", async () => {
    const note = blockAfter('- A **checkpoint** is a', 'text')
      .split('\n')
      .map((l) => l.replace(/^ {2}/, ''))
      .join('\n');
    const { publicKey } = await createEd25519Signer(new Uint8Array(32).fill(7));
    expect(await verifyCheckpoint(note, { publicKey, origin: 'hall.example.com/log/demo' })).toMatchObject({ ok: true, tree_size: 12 });
  });
});
