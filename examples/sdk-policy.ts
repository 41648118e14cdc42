// A declarative policy gate, human approval, and a ban-list hook.
import { Hall, type HallOptions } from 'edgehall';

const rules = {
  rules: [
    {
      rule_id: 'rr_payments',
      match: { capability_id: 'cap.pay.transfer' },
      decision: {
        candidate_workers_ranked: [{ worker_species_id: 'wrk.pay.transfer' }],
        escalation: { policy_gate: true }, // ask the policy gate for this rule
      },
    },
  ],
};
const workers = [{ worker_id: 'org.acme.pay', worker_species_id: 'wrk.pay.transfer', capabilities: ['cap.pay.transfer'] }];

const policy = {
  policy_version: 'pol.acme.v3',
  rules: [
    { id: 'no-restricted-dev', match: { env: 'dev', data_label: 'RESTRICTED' }, decision: 'DENY', reason: 'no restricted data in dev' },
    { id: 'high-risk', match: { tenant_risk: 'high' }, decision: 'REQUIRE_HUMAN', reason: 'high-risk tenant', supervisor_level: 'finance' },
  ],
  default: { decision: 'ALLOW', reason: 'default allow' },
} satisfies HallOptions['policy']; // keeps 'DENY' etc. as the literal types the schema wants

const banned = new Set<string>();
const hall = new Hall({
  rules,
  workers,
  policy,
  afterSelect: ({ worker_species_id }) =>
    banned.has(worker_species_id)
      ? { code: 'DENY_WORKER_BANNED', message: 'The selected worker is on the ban list.', extras: { worker_species_id } }
      : null,
});

const base = {
  capability_id: 'cap.pay.transfer',
  env: 'stage',
  data_label: 'INTERNAL',
  tenant_risk: 'high',
  qos_class: 'P1',
  tenant_id: 'acme',
  correlation_id: 'c0ffee00-0000-4000-8000-000000000001',
} as const;

const held = await hall.route(base);
const reason = held.deny_reason_if_denied!;
console.log('held:', reason.code, reason.reason, reason.supervisor_level);

const approved = await hall.route(base, { approvedHumanGate: { approval_id: 'apr_42' } });
const gated = approved.telemetry_envelopes.find((e) => e.event_id === 'evt.os.policy.gated')!;
console.log('approved:', !approved.denied, gated.reason, gated.approval_id, gated.policy_version);

const dev = await hall.route({ ...base, env: 'dev', data_label: 'RESTRICTED', tenant_risk: 'low' });
console.log('policy deny:', dev.deny_reason_if_denied?.code, dev.deny_reason_if_denied?.reason);

banned.add('wrk.pay.transfer');
const ban = await hall.route({ ...base, tenant_risk: 'low' });
console.log('banned:', ban.deny_reason_if_denied?.code);
