// Node: ask a Hall for a decision, check its evidence, and audit the tenant's receipt chain.
//
//   npm start                                   # a live Hall on http://127.0.0.1:8787 (another terminal)
//   export HALL_URL=http://127.0.0.1:8787
//   export HALL_TOKEN=$(sed -n 's/^HALL_DEMO_TENANT_TOKEN=//p' .dev.vars)
//   npx tsx examples/node-quickstart.ts          # in this repo: `npm run build` first
import { HallApiError, HallClient } from 'edgehall/client';

const hall = new HallClient({
  baseUrl: process.env.HALL_URL ?? 'http://127.0.0.1:8787',
  token: process.env.HALL_TOKEN,
  timeoutMs: 5_000,
});

// 1. A decision. The receipt has already been verified against the Hall's published keys when
//    route() resolves; a receipt that does not verify rejects with HallReceiptError instead.
const { decision, receipt } = await hall.route({
  tenant_id: 'demo',
  capability_id: 'cap.doc.summarize',
  env: 'dev',
  data_label: 'INTERNAL',
  tenant_risk: 'low',
  qos_class: 'P2',
  correlation_id: crypto.randomUUID(),
  request: { document_id: 'doc-42', max_words: 120 },
});
console.log(JSON.stringify({
  step: 'route',
  denied: decision.denied,
  worker: decision.selected_worker_species_id,
  receipt_seq: receipt.seq,
  receipt_hash: receipt.receipt_hash,
}));

// 2. Errors carry the Hall's problem+json code.
try {
  await hall.route({ tenant_id: 'demo', capability_id: 'cap.doc.summarize', env: 'moon' as 'dev', data_label: 'INTERNAL', tenant_risk: 'low', qos_class: 'P2', correlation_id: 'x' });
} catch (err) {
  if (!(err instanceof HallApiError)) throw err;
  console.log(JSON.stringify({ step: 'invalid', status: err.status, code: err.code, fields: err.issues.map((i) => i.path.join('.')) }));
}

// 3. The audit: every receipt of the tenant, its signature, hash and link to the one before.
const audit = await hall.verifyChain('demo');
console.log(JSON.stringify({ step: 'audit', ok: audit.ok, verified: audit.verified, broken_at_seq: audit.broken_at_seq ?? null }));
