// Small rule sets and workers shared by the SDK tests.
export const workers = [
  {
    worker_id: 'org.test.hello-greeter',
    worker_species_id: 'wrk.hello.greeter',
    capabilities: ['cap.hello.greet'],
    currently_implements: ['ctrl.obs.audit-log-append-only'],
  },
  {
    worker_id: 'org.test.doc-summarizer',
    worker_species_id: 'wrk.doc.summarizer',
    capabilities: ['cap.doc.summarize'],
    currently_implements: ['ctrl.obs.audit-log-append-only', 'ctrl.privilege_envelopes_required'],
    privilege_envelope: { egress: { allowlist: ['api.example.com'] } },
    attestation: { code_hash: 'a'.repeat(64) },
  },
];

export const rules = {
  rules: [
    {
      rule_id: 'rr_hello',
      match: { capability_id: 'cap.hello.greet', env: { in: ['dev', 'stage', 'prod'] } },
      decision: {
        candidate_workers_ranked: [{ worker_species_id: 'wrk.hello.greeter', score_hint: 1.0 }],
        required_controls_suggested: ['ctrl.obs.audit-log-append-only'],
      },
    },
    {
      rule_id: 'rr_doc',
      match: { capability_id: 'cap.doc.summarize' },
      decision: {
        candidate_workers_ranked: [{ worker_species_id: 'wrk.doc.summarizer' }],
        required_controls_suggested: ['ctrl.obs.audit-log-append-only'],
        escalation: { policy_gate: true },
      },
    },
  ],
};

export const input = {
  capability_id: 'cap.hello.greet',
  env: 'dev',
  data_label: 'PUBLIC',
  tenant_risk: 'low',
  qos_class: 'P2',
  tenant_id: 'acme',
  correlation_id: '550e8400-e29b-41d4-a716-446655440000',
} as const;
