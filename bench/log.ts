// Log section: the hot path against its limit, with the per-tenant evidence logs (SQLite-backed
// Durable Objects) doing the logging, signing and checkpointing. The built worker runs in
// Miniflare on loopback (KV, D1 and the objects in memory); in alternating rounds:
//   GET /wcp/health                       the same worker's cheapest answer (the limit)
//   POST /route, one tenant               every append on one log (one object, the worst case)
//   POST /route, BENCH_LOG_TENANTS (50)   round-robin over 50 logs, BENCH_HTTP_CONNECTIONS (20)
// and prints /route : /wcp/health (goal ≥ 0.5; the objects sign their own checkpoints meanwhile).
// Then one more 50-tenant load while every tenant's checkpoint is fetched about once a second,
// and the check over everything answered: zero lost receipts (every answered
// receipt is in its tenant's chain at its seq, byte for byte), zero forks (every chain verifies:
// consecutive seq, links, signatures), every checkpoint verifies and is consistent with the next
// (RFC 9162 proof from GET /wcp/log/{t}/consistency, checked with src/log), the log's tree head
// equals the Merkle root of the chain, and the D1 index holds each answered decision exactly once.
import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { merkleRoot, parseCheckpoint, toBase64Std, verifyCheckpoint, verifyConsistency } from '../src/log/index.js';
import { verifyChain } from '../src/receipts/index.js';
import { fromHex } from '../src/util/bytes.js';
import { addBenchTenants, startBenchHall } from './bench-hall.js';
import { alternatingRounds, breakdown, firstServerError, fmt, load, merge, send, type Answer, type LoadResult } from './load.js';

const TOTAL = Number(process.env.BENCH_HTTP_REQUESTS ?? 5000);
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 20);
const TENANTS = Number(process.env.BENCH_LOG_TENANTS ?? 50);
const ROUNDS = Math.max(1, Number(process.env.BENCH_HTTP_ROUNDS ?? 5));

interface Answered {
  seq: number;
  receipt_hash: string;
  decision_id: string;
}

export async function run(): Promise<void> {
  const hall = await startBenchHall({ registrySeed: true });
  const { mf, base, db, admin } = hall;
  try {
    const tenants = await addBenchTenants(hall, 'log-t', TENANTS);

    const healthUrl = new URL('/wcp/health', base);
    const routeUrl = new URL('/route', base);
    const body = (tenant: string) =>
      JSON.stringify({ tenant_id: tenant, capability_id: 'cap.doc.summarize', env: 'dev', data_label: 'INTERNAL', tenant_risk: 'low', qos_class: 'P2', correlation_id: randomUUID(), request: { document_id: 'doc-42' } });

    // Every answered receipt, per tenant: what the chains must hold afterwards.
    const answered = new Map<string, Answered[]>();
    const keep = (a: Answer): Answer => {
      if (a.status === 200 && a.body) {
        const r = (JSON.parse(a.body) as { receipt: Answered & { tenant_id: string } }).receipt;
        let list = answered.get(r.tenant_id);
        if (!list) answered.set(r.tenant_id, (list = []));
        list.push({ seq: r.seq, receipt_hash: r.receipt_hash, decision_id: r.decision_id });
      }
      return a;
    };
    const health = (agent: Agent) => send(agent, healthUrl, 'GET', null, {});
    const single = (agent: Agent) => send(agent, routeUrl, 'POST', body('demo'), { authorization: `Bearer ${hall.demoToken}`, 'content-type': 'application/json' }, true).then(keep);
    const multi = (agent: Agent, i: number) => {
      const t = tenants[i % tenants.length]!;
      return send(agent, routeUrl, 'POST', body(t.id), { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' }, true).then(keep);
    };

    console.log(`worker bundle ${(hall.scriptBytes / 1024).toFixed(0)} KB, Miniflare ${base.origin} (KV, D1 and SQLite Durable Objects in memory), ${TOTAL} requests per load in ${ROUNDS} alternating rounds x ${CONNECTIONS} connections, load avg ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores`);
    await load(Math.min(300, TOTAL), CONNECTIONS, health);
    await load(Math.min(300, TOTAL), CONNECTIONS, single);
    await load(Math.min(500, TOTAL), CONNECTIONS, multi);

    // Checkpoints while the logs grow: each tenant's, about once a second during the 50-tenant rounds.
    const notes = new Map<string, string[]>(tenants.map((t) => [t.id, []]));
    let polling = false;
    let pollFailures = 0;
    let pollError = '';
    const poll = async () => {
      while (polling) {
        const started = Date.now();
        await Promise.all(
          tenants.map(async (t) => {
            const res = await fetch(new URL(`/wcp/log/${t.id}/checkpoint`, base), { headers: admin }).catch((err: Error) => {
              pollError ||= `${err.message}${err.cause ? ` (${String((err.cause as Error).message ?? err.cause)})` : ''}`;
              return null;
            });
            if (res?.ok) notes.get(t.id)!.push(await res.text());
            else {
              pollFailures++;
              if (res) pollError ||= `${res.status} ${(await res.text()).slice(0, 200)}`;
            }
          }),
        );
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
      }
    };

    const [hs, rs, ms] = (await alternatingRounds(TOTAL, ROUNDS, CONNECTIONS, [health, single, multi])) as [LoadResult[], LoadResult[], LoadResult[]];
    // The check load: the same 50-tenant traffic while an auditor fetches every tenant's checkpoint
    // about once a second (not timed: the ratios above carry no auditor traffic).
    polling = true;
    const poller = poll();
    const checked = await load(TOTAL, CONNECTIONS, multi);
    polling = false;
    await poller;
    if (checked.failed) console.log(`check load non-2xx statuses: ${JSON.stringify([...checked.statuses])}${firstServerError() ? `; first 5xx answer: ${firstServerError().slice(0, 300)}` : ''}`);
    const [h, r, m] = [merge(hs), merge(rs), merge(ms)];
    const ratio = (x: LoadResult) => x.perSec / h.perSec;
    const perRoundRatios = (xs: LoadResult[]) => xs.map((x, i) => (x.perSec / hs[i]!.perSec).toFixed(2)).join(' ');
    console.log(`GET  /wcp/health  ${fmt(h)}`);
    console.log(`POST /route       ${fmt(r)}   one tenant (one log)`);
    breakdown('one tenant', r);
    console.log(`POST /route       ${fmt(m)}   ${TENANTS} tenants round-robin (${TENANTS} logs)`);
    breakdown(`${TENANTS} tenants`, m);
    console.log(`ratio /route : /wcp/health = ${ratio(r).toFixed(2)} one tenant, ${ratio(m).toFixed(2)} with ${TENANTS} tenants   (goal >= 0.50 with logging, signing and checkpointing: ${ratio(r) >= 0.5 && ratio(m) >= 0.5 ? 'met' : 'NOT met'})`);
    console.log(`  per-round ratios: one tenant ${perRoundRatios(rs)}; ${TENANTS} tenants ${perRoundRatios(ms)}`);
    if (h.failed || r.failed || m.failed) console.log(`non-2xx statuses: health ${JSON.stringify([...h.statuses])} one tenant ${JSON.stringify([...r.statuses])} ${TENANTS} tenants ${JSON.stringify([...m.statuses])}`);
    if (firstServerError()) console.log(`first 5xx answer: ${firstServerError().slice(0, 400)}`);

    // ---- the check ----
    const jwks = await (await fetch(new URL('/.well-known/wcp-keys.json', base))).json();
    let lost = 0;
    let forks = 0;
    let checkpoints = 0;
    let inconsistent = 0;
    let badHeads = 0;
    let indexMismatch = 0;
    const get = async (path: string) => {
      const res = await fetch(new URL(path, base), { headers: admin });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
      return res;
    };
    for (const t of [{ id: 'demo' }, ...tenants]) {
      const chain: { seq: number; receipt_hash: string }[] = [];
      for (let after = 0; ; ) {
        const page = (await (await get(`/receipts?tenant_id=${t.id}&after_seq=${after}&limit=1000`)).json()) as { receipts: { seq: number; receipt_hash: string }[]; next_after_seq: number | null };
        chain.push(...page.receipts);
        if (page.next_after_seq === null) break;
        after = page.next_after_seq;
      }
      const verdict = await verifyChain(chain, jwks);
      if (!verdict.ok) {
        forks++;
        console.log(`chain ${t.id}: BROKEN at seq ${verdict.broken_at_seq} (${verdict.code})`);
      }
      const mine = answered.get(t.id) ?? [];
      for (const a of mine) if (chain[a.seq - 1]?.receipt_hash !== a.receipt_hash) lost++;
      // The log's tree is the Merkle tree of this chain.
      const leaves = chain.map((x) => fromHex(x.receipt_hash));
      const head = parseCheckpoint(await (await get(`/wcp/log/${t.id}/checkpoint`)).text());
      if (!head.ok || head.tree_size !== chain.length || head.root_hash !== toBase64Std(merkleRoot(leaves))) badHeads++;
      // Every checkpoint seen while the log grew verifies and is consistent with the next one.
      const seen = [...new Set(notes.get(t.id) ?? [])];
      let prev: { size: number; root: string } | null = null;
      for (const note of seen) {
        checkpoints++;
        const v = await verifyCheckpoint(note, { jwks });
        if (!v.ok) {
          inconsistent++;
          continue;
        }
        const cur = { size: v.tree_size!, root: v.root_hash! };
        if (prev && cur.size >= prev.size) {
          const proof = (await (await get(`/wcp/log/${t.id}/consistency?from=${prev.size}&to=${cur.size}`)).json()) as { hashes: string[] };
          if (!verifyConsistency(prev.size, cur.size, prev.root, cur.root, proof.hashes).ok) inconsistent++;
        } else if (prev) inconsistent++;
        prev = cur;
      }
      // The D1 index: each answered decision exactly once (a tenant-scoped read waits for the feed).
      await get(`/decisions?tenant_id=${t.id}&limit=1`);
      const n = (await db.prepare('SELECT COUNT(*) AS n FROM decisions WHERE tenant_id = ?').bind(t.id).first<{ n: number }>())!.n;
      if (n !== chain.length) indexMismatch++;
    }
    const answers = [...answered.values()].reduce((a, x) => a + x.length, 0);
    const ok = lost === 0 && forks === 0 && inconsistent === 0 && badHeads === 0 && indexMismatch === 0;
    console.log(
      `${TENANTS} tenants x ${CONNECTIONS} connections check (${checked.ok}/${TOTAL} 2xx under auditor polling, all loads counted): ${answers} answered receipts, lost ${lost}, forked/broken chains ${forks}, ` +
        `checkpoints ${checkpoints} (inconsistent or invalid ${inconsistent}; fetches failed ${pollFailures}${pollError ? `, first: ${pollError}` : ''}), tree heads != chain root ${badHeads}, D1 index mismatches ${indexMismatch}: ${ok ? 'ok' : 'FAILED'}`,
    );
  } finally {
    await mf.dispose();
  }
}
