// Deny codes and their messages, exactly as pyhall 0.3.0 words them (BEHAVIOR.md §4),
// plus edgehall's own codes (marked) for cases the reference does not handle.

export const DENY_CODES = {
  UNKNOWN_TENANT: 'DENY_UNKNOWN_TENANT',
  MISSING_TENANT_ID: 'DENY_MISSING_TENANT_ID',
  INVALID_INPUT: 'DENY_INVALID_INPUT',
  SHADOW_RULES_DETECTED: 'DENY_SHADOW_RULES_DETECTED',
  NO_MATCHING_RULE: 'DENY_NO_MATCHING_RULE',
  MISSING_CORRELATION_ID: 'DENY_MISSING_CORRELATION_ID',
  MISSING_REQUIRED_CONTROLS: 'DENY_MISSING_REQUIRED_CONTROLS',
  REQUIRES_HUMAN: 'DENY_REQUIRES_HUMAN',
  POLICY_GATE_UNCONFIGURED: 'DENY_POLICY_GATE_UNCONFIGURED',
  INTERNAL_ERROR: 'DENY_INTERNAL_ERROR',
  POLICY_GATE: 'DENY_POLICY_GATE',
  REQUIRES_HUMAN_APPROVAL: 'DENY_REQUIRES_HUMAN_APPROVAL',
  POLICY_GATE_INVALID_RESPONSE: 'DENY_POLICY_GATE_INVALID_RESPONSE',
  NO_AVAILABLE_WORKER: 'DENY_NO_AVAILABLE_WORKER',
  ATTESTATION_UNCONFIGURED: 'DENY_ATTESTATION_UNCONFIGURED',
  WORKER_ATTESTATION_MISSING: 'DENY_WORKER_ATTESTATION_MISSING',
  WORKER_ATTESTATION_INVALID_HASH: 'DENY_WORKER_ATTESTATION_INVALID_HASH',
  WORKER_HASH_UNAVAILABLE: 'DENY_WORKER_HASH_UNAVAILABLE',
  WORKER_TAMPERED: 'DENY_WORKER_TAMPERED',
  PRIVILEGE_ENVELOPE_UNCONFIGURED: 'DENY_PRIVILEGE_ENVELOPE_UNCONFIGURED',
  PRIVILEGE_ENVELOPE_VIOLATED: 'DENY_PRIVILEGE_ENVELOPE_VIOLATED',
  /** edgehall: a rule the reference would crash on was reached (only with reference-mode rules). */
  RULES_INVALID: 'DENY_RULES_INVALID',
} as const;
export type DenyCode = (typeof DENY_CODES)[keyof typeof DENY_CODES] | (string & {});

/** Fixed deny messages. Messages with a variable part are built by the functions below. */
export const DENY_MESSAGES = {
  DENY_UNKNOWN_TENANT:
    'Tenant is not registered as a signatory. Register via the Hall configuration before dispatching workers.',
  DENY_MISSING_TENANT_ID: 'tenant_id is required and must not be empty or whitespace.',
  DENY_INVALID_INPUT: 'blast_score must be in [0, 100]',
  DENY_SHADOW_RULES_DETECTED:
    'Rule set contains shadow rules in prod/edge environment. Fix rule ordering before deploying to production.',
  DENY_NO_MATCHING_RULE: 'No routing rule matched. Fail-closed per WCP spec section 5.1.',
  DENY_MISSING_CORRELATION_ID: 'correlation_id is required but absent or empty.',
  DENY_MISSING_REQUIRED_CONTROLS: 'Required controls not present in registry.',
  DENY_REQUIRES_HUMAN: 'Blast radius too high for autonomous execution.',
  DENY_POLICY_GATE_UNCONFIGURED:
    "policy_gate_eval is required when escalation.policy_gate is True. Pass a PolicyGate instance's .evaluate method.",
  DENY_INTERNAL_ERROR: 'policy_gate_eval raised an exception. See server logs for details.',
  DENY_POLICY_GATE: 'Policy gate denied.',
  DENY_REQUIRES_HUMAN_APPROVAL:
    'Policy gate requires human approval before this worker can be dispatched. Submit the pending approval via wcp.approval.resolve.',
  DENY_NO_AVAILABLE_WORKER: 'No available worker candidates. Route to review queue.',
  DENY_ATTESTATION_UNCONFIGURED:
    'require_worker_attestation is True but hash callables were not provided. Pass registry_get_worker_hash and get_current_worker_hash to make_decision().',
  DENY_PRIVILEGE_ENVELOPE_UNCONFIGURED:
    'ctrl.privilege_envelopes_required is set but privilege envelope callables were not provided. Pass registry_get_privilege_envelope and registry_policy_allows_privilege to make_decision().',
  DENY_RULES_INVALID:
    'The rule set is malformed at the point this request reached. Fix the rules document (run lintRules or compileRules for the exact path) and reload it.',
} as const;

export const PRIVILEGE_INTERNAL_ERROR_MESSAGE = 'Privilege envelope check raised an exception.';
export const POST_SELECT_INTERNAL_ERROR_MESSAGE =
  'Post-selection check raised an exception. See server logs for details.';

export const gateInvalidResponseMessage = (repr: string): string =>
  `policy_gate_eval returned unrecognized decision: ${repr}. Expected 'ALLOW', 'DENY', or 'REQUIRE_HUMAN'. Failing closed.`;
export const attestationMissingMessage = (sel: string): string =>
  `Worker '${sel}' has no registered code hash. Register the worker with an attestation hash before enabling require_worker_attestation.`;
export const attestationInvalidHashMessage = (sel: string): string =>
  `Worker '${sel}' registered hash is not a valid SHA-256 digest. Re-register with a 64-character lowercase hex SHA-256 hash.`;
export const hashUnavailableMessage = (sel: string): string =>
  `Worker '${sel}' current code hash could not be retrieved or is invalid. Verify the get_current_worker_hash implementation.`;
export const tamperedMessage = (sel: string): string =>
  `Worker '${sel}' code hash mismatch. Worker may have been modified after attestation. Re-attest the worker or investigate for tampering.`;
export const privilegeViolatedMessage = (env: string, label: string, reason: string): string =>
  `Worker privilege envelope denied for ${env}/${label}: ${reason}`;

export const REQUIRE_CREDENTIAL_WARNING =
  'HallConfig.require_credential=True has no effect in v0.1. Credential validation is planned for v0.2. Do not rely on this flag for security enforcement.';
