// Route capability requests in-process with the edgehall SDK.
import { Hall, ValidationError } from 'edgehall';

const rules = {
  rules: [
    {
      rule_id: 'rr_summarize',
      match: { capability_id: 'cap.doc.summarize', env: { in: ['dev', 'stage', 'prod'] } },
      decision: {
        candidate_workers_ranked: [{ worker_species_id: 'wrk.doc.summarizer', score_hint: 1.0 }],
        required_controls_suggested: ['ctrl.obs.audit-log-append-only'],
      },
    },
  ],
};

const workers = [
  {
    worker_id: 'org.acme.doc-summarizer',
    worker_species_id: 'wrk.doc.summarizer',
    capabilities: ['cap.doc.summarize'],
    currently_implements: ['ctrl.obs.audit-log-append-only'],
  },
];

const hall = new Hall({
  rules,
  workers,
  config: { require_signatory: true, allowed_tenants: ['acme'] },
});

const request = {
  capability_id: 'cap.doc.summarize',
  env: 'prod',
  data_label: 'INTERNAL',
  tenant_risk: 'low',
  qos_class: 'P2',
  tenant_id: 'acme',
  correlation_id: '7d7c1a52-3f0e-4c55-9a59-5f0e0b4c2a11',
  request: { doc_id: 'q3-report' },
} as const;

const allowed = await hall.route(request);
console.log('allowed:', !allowed.denied, allowed.selected_worker_species_id, allowed.matched_rule_id);
console.log('artifact_hash:', allowed.artifact_hash);
console.log('events:', allowed.telemetry_envelopes.map((e) => e.event_id).join(', '));

const unknownTenant = await hall.route({ ...request, tenant_id: 'mallory' });
console.log('denied:', unknownTenant.deny_reason_if_denied?.code);

try {
  await hall.route({ ...request, env: 'production', blast_score: '42' });
} catch (e) {
  if (e instanceof ValidationError) console.log('invalid:', e.issues.map((i) => i.path.join('.')).join(', '));
}
