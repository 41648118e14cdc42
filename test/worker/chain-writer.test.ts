// The group-commit chain writer under faults ("lost batch waiters"): a batch whose leader stops
// mid-write fails its callers with a coded 503 instead of leaving them waiting forever; another
// tenant's chain contention cannot fail a tenant that shares its batch; a link whose receipt cannot
// be built fails only its own call. Real D1 underneath; faults come from EvidenceStore wrappers.
import { createExecutionContext, env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReceipt, hashReceipt, verifyChain } from '../../src/receipts/index.js';
import { createHallWorker, defaultStores } from '../../worker/app.js';
import { ChainWriter, type ChainLink } from '../../worker/chain/writer.js';
import type { HallEnv } from '../../worker/env.js';
import { HallHttpError } from '../../worker/http/problem.js';
import { D1EvidenceStore, type EvidenceRecord, type EvidenceStore } from '../../worker/stores/evidence-store.js';
import { DEMO, call, json, routeInput, seedKv } from './helpers.js';

beforeAll(seedKv);

const real = (): EvidenceStore => new D1EvidenceStore(env.HALL_DB);

/** The real store with writeEvidence replaced. */
function withWrite(write: (records: readonly EvidenceRecord[], realWrite: (r: readonly EvidenceRecord[]) => Promise<void>) => Promise<void>): EvidenceStore {
  const base = real();
  const store = Object.create(base) as EvidenceStore;
  store.writeEvidence = (records) => write(records, (r) => base.writeEvidence(r));
  return store;
}

/** A promise that settles only when the test says so (a leader whose request was cancelled never resumes). */
function gate(): { wait: Promise<never>; release: () => void } {
  let reject!: (e: unknown) => void;
  const wait = new Promise<never>((_, r) => (reject = r));
  wait.catch(() => undefined);
  return { wait, release: () => reject(new Error('released by the test')) };
}

interface LinkOptions {
  controls?: string[];
  failFinish?: boolean;
}

/** A chain link producing real decision + receipt rows (what /route builds, minus the signature). */
function link(tenant: string, tag: string, opts: LinkOptions = {}): ChainLink<{ seq: number; tag: string }> {
  return {
    prepare(seq, prevHash) {
      const decisionId = `${tenant}-${tag}-${crypto.randomUUID()}`;
      const unsigned = buildReceipt({
        tenant_id: tenant,
        seq,
        prev_receipt_hash: prevHash,
        decision_id: decisionId,
        correlation_id: tag,
        worker_id: null,
        worker_species_id: null,
        capability_id: 'cap.doc.summarize',
        policy_decision: 'DENY',
        deny_code: 'DENY_TEST',
        controls_verified: opts.controls ?? [],
        artifact_hash: null,
        rules_version: 'rv-test',
        approval_id: null,
        signing_key_id: 'test-kid',
        dry_run: false,
      });
      const receiptHash = hashReceipt(unsigned);
      return {
        receiptHash,
        finish: async () => {
          if (opts.failFinish) throw new Error('signing failed: injected');
          const at = new Date().toISOString();
          const record: EvidenceRecord = {
            decision: {
              decision_id: decisionId, tenant_id: tenant, correlation_id: tag, capability_id: 'cap.doc.summarize', env: 'dev', data_label: 'INTERNAL',
              selected_worker_species_id: null, denied: true, deny_code: 'DENY_TEST', matched_rule_id: null, rules_version: 'rv-test', approval_id: null,
              receipt_id: unsigned.receipt_id, receipt_seq: seq, created_at: at, decision_json: '{}',
            },
            receipt: {
              receipt_id: unsigned.receipt_id, tenant_id: tenant, seq, prev_receipt_hash: prevHash, receipt_hash: receiptHash,
              decision_id: decisionId, signing_key_id: 'test-kid', created_at: at, receipt_json: JSON.stringify(unsigned),
            },
          };
          return { record, result: { seq, tag } };
        },
      };
    },
  };
}

type Outcome = { ok: true; seq: number } | { ok: false; status: number | undefined; code: string | undefined; detail: string };
const settle = (p: Promise<{ seq: number }>): Promise<Outcome> =>
  p.then(
    (r) => ({ ok: true as const, seq: r.seq }),
    (e: unknown) => ({ ok: false as const, status: (e as HallHttpError).status, code: (e as HallHttpError).code, detail: String((e as Error).message) }),
  );

async function chainOf(tenant: string): Promise<{ seq: number; prev_receipt_hash: string | null; receipt_hash: string; correlation_id: string }[]> {
  const { results } = await env.HALL_DB.prepare(
    `SELECT r.seq, r.prev_receipt_hash, r.receipt_hash, d.correlation_id FROM receipts r JOIN decisions d ON d.decision_id = r.decision_id
     WHERE r.tenant_id = ?1 ORDER BY r.seq`,
  ).bind(tenant).all<{ seq: number; prev_receipt_hash: string | null; receipt_hash: string; correlation_id: string }>();
  return results;
}

function expectLinked(chain: { seq: number; prev_receipt_hash: string | null; receipt_hash: string }[]): void {
  chain.forEach((r, i) => {
    expect(r.seq).toBe(i + 1);
    expect(r.prev_receipt_hash).toBe(i === 0 ? null : chain[i - 1]!.receipt_hash);
  });
}

describe('a batch whose leader stops mid-write', () => {
  it('its callers get 503 RECEIPT_CHAIN_UNAVAILABLE instead of waiting forever; the next call continues the chain', { timeout: 30_000 }, async () => {
    const tenant = `stall-${crypto.randomUUID().slice(0, 8)}`;
    const hang = gate();
    let calls = 0;
    const store = withWrite((records, write) => (++calls === 2 ? hang.wait : write(records)));
    const writer = new ChainWriter({ stallMs: 300, pollMs: 2 });
    const first = settle(writer.append(store, tenant, link(tenant, 'first')));
    // Queued behind the first batch, then written together in the second, whose write never returns.
    const stuck = ['b1', 'b2', 'b3'].map((tag) => settle(writer.append(store, tenant, link(tenant, tag))));
    expect(await first).toEqual({ ok: true, seq: 1 });
    const outcomes = await Promise.all(stuck);
    for (const o of outcomes) {
      expect(o).toMatchObject({ ok: false, status: 503, code: 'RECEIPT_CHAIN_UNAVAILABLE' });
      expect((o as { detail: string }).detail).toMatch(/allow|allowed/i);
      expect((o as { detail: string }).detail).toMatch(/retry/i);
    }
    hang.release();
    expect(await settle(writer.append(store, tenant, link(tenant, 'after')))).toEqual({ ok: true, seq: 2 });
    const chain = await chainOf(tenant);
    expect(chain.map((r) => r.correlation_id)).toEqual(['first', 'after']);
    expectLinked(chain);
  });

  // /route no longer writes through the ChainWriter: each tenant's log is its Durable Object, and
  // its own failure test (test/log/tenant-log.test.ts: storage failing → 503, nothing allowed) replaced
  // the one that stood here.
});

describe('a cross-tenant batch', () => {
  it("one tenant's chain contention cannot fail another tenant in the same batch", { timeout: 30_000 }, async () => {
    const x = `hot-${crypto.randomUUID().slice(0, 8)}`;
    const y = `calm-${crypto.randomUUID().slice(0, 8)}`;
    let competitors = 0;
    // Another isolate always wins tenant x's race: before each write that carries x, it appends a
    // real link to x's chain in D1, so the batch's x rows conflict for real.
    const store = withWrite(async (records, write) => {
      if (records.some((r) => r.receipt.tenant_id === x)) {
        const head = await env.HALL_DB.prepare('SELECT seq, receipt_hash FROM receipts WHERE tenant_id = ?1 ORDER BY seq DESC LIMIT 1').bind(x).first<{ seq: number; receipt_hash: string }>();
        competitors++;
        await env.HALL_DB.prepare(
          `INSERT INTO receipts (receipt_id, tenant_id, seq, prev_receipt_hash, receipt_hash, decision_id, signing_key_id, created_at, receipt_json)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'other-isolate', ?7, '{}')`,
        ).bind(crypto.randomUUID(), x, (head?.seq ?? 0) + 1, head?.receipt_hash ?? null, crypto.randomUUID().replace(/-/g, '').padEnd(64, '0'), `other-${competitors}`, new Date().toISOString()).run();
      }
      return write(records);
    });
    const writer = new ChainWriter({ maxAttempts: 4 });
    const first = settle(writer.append(store, y, link(y, 'y0')));
    // These four are written as one batch after y0's.
    const mixed = [
      settle(writer.append(store, x, link(x, 'x1'))),
      settle(writer.append(store, y, link(y, 'y1'))),
      settle(writer.append(store, y, link(y, 'y2'))),
      settle(writer.append(store, x, link(x, 'x2'))),
    ];
    expect(await first).toEqual({ ok: true, seq: 1 });
    const [x1, y1, y2, x2] = await Promise.all(mixed);
    expect(y1).toEqual({ ok: true, seq: 2 });
    expect(y2).toEqual({ ok: true, seq: 3 });
    for (const o of [x1, x2]) expect(o).toMatchObject({ ok: false, status: 503, code: 'RECEIPT_CHAIN_CONTENDED' });
    const chain = await chainOf(y);
    expect(chain.map((r) => r.correlation_id)).toEqual(['y0', 'y1', 'y2']);
    expectLinked(chain);
  });
});

describe('a link whose receipt cannot be built', () => {
  it('fails only its own call (e.g. > 256 controls, a 600-character control id); the rest of the batch is written', { timeout: 30_000 }, async () => {
    const b = `build-${crypto.randomUUID().slice(0, 8)}`;
    const c = `build-${crypto.randomUUID().slice(0, 8)}`;
    const writer = new ChainWriter();
    const store = real();
    const first = settle(writer.append(store, b, link(b, 'b0')));
    const batch = [
      settle(writer.append(store, b, link(b, 'b1'))),
      settle(writer.append(store, b, link(b, 'too-many', { controls: Array.from({ length: 300 }, (_, i) => `ctrl.x.c${i}`) }))),
      settle(writer.append(store, c, link(c, 'c1'))),
      settle(writer.append(store, b, link(b, 'long-id', { controls: ['ctrl.' + 'x'.repeat(600)] }))),
      settle(writer.append(store, b, link(b, 'b2'))),
      settle(writer.append(store, b, link(b, 'unsignable', { failFinish: true }))),
      settle(writer.append(store, b, link(b, 'b3'))),
    ];
    expect(await first).toEqual({ ok: true, seq: 1 });
    const [b1, tooMany, c1, longId, b2, unsignable, b3] = await Promise.all(batch);
    expect([b1, b2, b3]).toEqual([{ ok: true, seq: 2 }, { ok: true, seq: 3 }, { ok: true, seq: 4 }]);
    expect(c1).toEqual({ ok: true, seq: 1 });
    for (const o of [tooMany, longId, unsignable]) expect(o).toMatchObject({ ok: false, status: 500, code: 'RECEIPT_BUILD_FAILED' });
    expect((tooMany as { detail: string }).detail).toContain('controls_verified');
    const chain = await chainOf(b);
    expect(chain.map((r) => r.correlation_id)).toEqual(['b0', 'b1', 'b2', 'b3']);
    expectLinked(chain);
  });
});
