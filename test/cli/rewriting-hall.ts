// A Hall that rewrites its own history — the attacker a transparency log exists for. It serves the
// Hall API's evidence endpoints (keys, receipt chain, checkpoint, inclusion and consistency proofs)
// honestly over whatever chain it holds *now*, and the test can truncate that chain or replace a
// suffix with freshly signed, correctly linked receipts. Every answer is well formed and signed by
// the Hall's real key: chain verification alone cannot tell; only a checkpoint kept from before can.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consistencyProof, formatCheckpoint, inclusionProof, logOrigin, merkleRoot, signCheckpoint, toBase64Std } from '../../src/log/index.js';
import { buildReceipt, signReceipt, type Receipt } from '../../src/receipts/index.js';
import { createEd25519Signer, exportEd25519PublicJwk, generateEd25519KeyPair } from '../../src/crypto/index.js';
import { fromHex } from '../../src/util/bytes.js';

export interface RewritingHall {
  url: string;
  tenant: string;
  chain: Receipt[];
  /** Appends n freshly signed receipts. */
  append(n: number, label?: string): Promise<void>;
  /** Drops every receipt after seq `keep`. */
  truncate(keep: number): void;
  close(): Promise<void>;
}

export async function startRewritingHall(tenant = 'demo'): Promise<RewritingHall> {
  const pair = await generateEd25519KeyPair();
  const kid = 'rewriter-key-1';
  const signer = await createEd25519Signer(pair.seed);
  const jwks = { keys: [{ ...exportEd25519PublicJwk(pair.publicKey, { kid }), alg: 'EdDSA', use: 'sig' }] };
  const origin = logOrigin('edgehall', tenant);
  const chain: Receipt[] = [];

  const leaves = (n = chain.length) => chain.slice(0, n).map((r) => fromHex(r.receipt_hash));
  const note = (size: number) => signCheckpoint(formatCheckpoint({ origin, tree_size: size, root_hash: merkleRoot(leaves(), size) }), origin, signer);

  async function append(n: number, label = 'original'): Promise<void> {
    for (let i = 0; i < n; i++) {
      const prev = chain[chain.length - 1];
      const unsigned = buildReceipt({
        tenant_id: tenant, seq: chain.length + 1, prev_receipt_hash: prev ? prev.receipt_hash : null, decision_id: `dec-${label}-${chain.length + 1}`,
        correlation_id: `${label}-${chain.length + 1}`, worker_id: null, worker_species_id: null, capability_id: 'cap.doc.summarize',
        policy_decision: 'DENY', deny_code: 'DENY_NO_MATCHING_RULE', controls_verified: [], artifact_hash: null, rules_version: 'v1',
        approval_id: null, signing_key_id: kid, dry_run: false,
      });
      chain.push(await signReceipt(unsigned, signer));
    }
  }

  const send = (res: import('node:http').ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const q = url.searchParams;
      const size = chain.length;
      if (url.pathname === '/.well-known/wcp-keys.json') return send(res, 200, jwks);
      if (url.pathname === '/receipts') {
        const after = Number(q.get('after_seq') ?? 0);
        const limit = Number(q.get('limit') ?? 100);
        return send(res, 200, { tenant_id: tenant, receipts: chain.filter((r) => r.seq > after).slice(0, limit), next_after_seq: null });
      }
      if (url.pathname === `/wcp/log/${tenant}/checkpoint`) return send(res, 200, await note(size), 'text/plain; charset=utf-8');
      if (url.pathname === `/wcp/log/${tenant}/consistency`) {
        const from = Number(q.get('from'));
        const to = Number(q.get('to') ?? size);
        if (!(from >= 1 && from <= to && to <= size)) return send(res, 400, { code: 'LOG_RANGE_INVALID', detail: `the log has ${size} leaves.` }, 'application/problem+json');
        return send(res, 200, { from, to, hashes: consistencyProof(leaves(), from, to).map(toBase64Std), checkpoint: to === size ? await note(size) : null });
      }
      const m = /^\/receipts\/([^/]+)\/proof$/.exec(url.pathname);
      if (m) {
        const r = chain.find((x) => x.receipt_id === decodeURIComponent(m[1]!));
        const treeSize = Number(q.get('tree_size') ?? size);
        if (!r) return send(res, 404, { code: 'RECEIPT_NOT_FOUND', detail: 'no such receipt.' }, 'application/problem+json');
        if (!(treeSize >= r.seq && treeSize <= size)) return send(res, 400, { code: 'LOG_RANGE_INVALID', detail: `the log has ${size} leaves.` }, 'application/problem+json');
        return send(res, 200, { receipt_id: r.receipt_id, leaf_index: r.seq - 1, tree_size: treeSize, hashes: inclusionProof(leaves(), r.seq - 1, treeSize).map(toBase64Std), checkpoint: treeSize === size ? await note(size) : null });
      }
      send(res, 404, { code: 'NOT_FOUND', detail: 'no such endpoint.' }, 'application/problem+json');
    })().catch((e) => send(res, 500, { code: 'INTERNAL_ERROR', detail: String(e) }, 'application/problem+json'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tenant,
    chain,
    append,
    truncate: (keep) => void chain.splice(keep),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
