// The transparency log verified in a real browser with the Hall's own verifier: a page on another
// origin imports GET /sdk/verify.js from a live Hall, and headless Chromium checks that Hall's
// signed checkpoint against its JWKS (origin pinned), a receipt's inclusion proof and a consistency
// proof from an older checkpoint — and refuses an altered checkpoint, proof, leaf and older root.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HallClient } from '../../src/client/entry.js';
import { HallLogClient } from '../../src/client/log-client.js';
import { startLiveHall, type LiveHall } from '../client/live-hall.js';
import { launchChromium } from './chromium.js';
import { serveFiles, type StaticSite } from './static.js';

type Verdict = { ok: boolean; code?: string; tree_size?: number; origin?: string; root_hash?: string };
type Result = Record<string, Verdict> & { error?: string };

let hall: LiveHall;
let work: string;
let site: StaticSite;
let context: BrowserContext;
let result: Result;
let sizes: { old: number; now: number };

const page = (hallUrl: string) => `<!doctype html>
<meta charset="utf-8"><title>verify the Hall's log in the browser</title>
<script type="module">
  try {
    const v = await import(${JSON.stringify(`${hallUrl}/sdk/verify.js`)});
    const fx = await (await fetch('./fixtures.json')).json();
    const cp = await v.verifyCheckpoint(fx.proof.checkpoint, { jwks: fx.jwks, origin: fx.origin });
    const old = await v.verifyCheckpoint(fx.oldCheckpoint, { jwks: fx.jwks, origin: fx.origin });
    const flip = (b64) => (b64[0] === 'A' ? 'B' : 'A') + b64.slice(1);
    const p = fx.proof;
    const c = fx.consistency;
    window.__result = {
      checkpoint: cp,
      oldCheckpoint: old,
      inclusion: v.verifyInclusion(fx.receipt.receipt_hash, p.leaf_index, p.tree_size, p.hashes, cp.root_hash),
      consistency: v.verifyConsistency(old.tree_size, c.to, old.root_hash, cp.root_hash, c.hashes),
      alteredCheckpoint: await v.verifyCheckpoint(fx.proof.checkpoint.replace('\\n' + p.tree_size + '\\n', '\\n' + (p.tree_size + 1) + '\\n'), { jwks: fx.jwks, origin: fx.origin }),
      otherOrigin: await v.verifyCheckpoint(fx.proof.checkpoint, { jwks: fx.jwks, origin: 'edgehall/log/someone-else' }),
      alteredProof: v.verifyInclusion(fx.receipt.receipt_hash, p.leaf_index, p.tree_size, [flip(p.hashes[0]), ...p.hashes.slice(1)], cp.root_hash),
      otherLeaf: v.verifyInclusion(fx.other.receipt_hash, p.leaf_index, p.tree_size, p.hashes, cp.root_hash),
      rewrittenOld: v.verifyConsistency(old.tree_size, c.to, flip(old.root_hash), cp.root_hash, c.hashes),
    };
  } catch (e) {
    window.__result = { error: String(e) };
  }
  document.body.dataset.done = '1';
</script>`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edgehall-log-browser-'));
  hall = await startLiveHall();
  const client = new HallClient({ baseUrl: hall.url, token: hall.demoToken });
  const logs = new HallLogClient({ baseUrl: hall.url, token: hall.demoToken });
  const route = JSON.parse(readFileSync(fileURLToPath(new URL('../../kv-seed/examples/route.json', import.meta.url)), 'utf8'));
  for (let i = 0; i < 3; i++) await client.route({ ...route, correlation_id: `log-browser-${i}` });
  const oldCheckpoint = await logs.checkpoint('demo');
  for (let i = 3; i < 7; i++) await client.route({ ...route, correlation_id: `log-browser-${i}` });
  const chain: Record<string, unknown>[] = [];
  for await (const r of client.receiptChain('demo')) chain.push(r);
  const receipt = chain[1]!;
  const proof = await logs.receiptProof(receipt['receipt_id'] as string);
  const oldSize = Number(oldCheckpoint.split('\n')[1]);
  const consistency = await logs.consistencyProof('demo', oldSize, proof.tree_size);
  sizes = { old: oldSize, now: proof.tree_size };
  const fixtures = { jwks: await client.publicKeys(), origin: 'edgehall/log/demo', oldCheckpoint, proof, consistency, receipt, other: chain[2] };
  site = await serveFiles({
    'index.html': { type: 'text/html; charset=utf-8', body: page(hall.url) },
    'fixtures.json': { type: 'application/json', body: JSON.stringify(fixtures) },
  });
  context = await launchChromium(work);
  const tab = context.pages()[0] ?? (await context.newPage());
  await tab.goto(site.url);
  await tab.waitForSelector('body[data-done="1"]', { state: 'attached', timeout: 30_000 });
  result = await tab.evaluate(() => (window as unknown as { __result: Result }).__result);
});

afterAll(async () => {
  await context?.close();
  await site?.close();
  await hall?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the Hall's log, verified in Chromium with the Hall's /sdk/verify.js", () => {
  it('the checkpoints verify against the JWKS with the origin pinned', () => {
    expect(result.error).toBeUndefined();
    expect(sizes.now).toBeGreaterThan(sizes.old);
    expect(result.checkpoint).toMatchObject({ ok: true, origin: 'edgehall/log/demo', tree_size: sizes.now });
    expect(result.oldCheckpoint).toMatchObject({ ok: true, tree_size: sizes.old });
  });

  it('the inclusion and consistency proofs verify', () => {
    expect(result.inclusion).toEqual({ ok: true });
    expect(result.consistency).toEqual({ ok: true });
  });

  it('an altered checkpoint, another origin, an altered proof, another leaf and a rewritten old root are refused', () => {
    expect(result.alteredCheckpoint).toMatchObject({ ok: false, code: 'LOG_CHECKPOINT_SIGNATURE_INVALID' });
    expect(result.otherOrigin).toMatchObject({ ok: false, code: 'LOG_CHECKPOINT_ORIGIN_MISMATCH' });
    expect(result.alteredProof).toMatchObject({ ok: false, code: 'LOG_INCLUSION_INVALID' });
    expect(result.otherLeaf).toMatchObject({ ok: false, code: 'LOG_INCLUSION_INVALID' });
    expect(result.rewrittenOld).toMatchObject({ ok: false, code: 'LOG_CONSISTENCY_INVALID' });
  });
});
