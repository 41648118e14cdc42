// Assembly of one decision's evidence: the unsigned receipt fields and the rows the tenant log
// stores and feeds to the D1 index (decision row + receipt row + approval changes). Pure, no I/O.
import { buildReceipt, type Receipt } from '../../src/receipts/index.js';
import type { RouteInput } from '../../src/routing/index.js';
import type { HallDecision } from '../schemas.js';
import type { ApprovalRow, EvidenceRecord } from '../stores/evidence-store.js';

export const REQUIRES_APPROVAL = 'DENY_REQUIRES_HUMAN_APPROVAL';

/** Everything about one decision that its receipt and rows are built from. */
export interface DecisionFacts {
  tenantId: string;
  input: RouteInput;
  decision: HallDecision;
  denyCode: string | null;
  workerId: string | null;
  controlsVerified: string[];
  rulesVersion: string | null;
  approvalId: string | null;
  dispatchedAt: string;
  signingKeyId: string;
  openApproval?: ApprovalRow | undefined;
  usedApprovalId?: string | undefined;
}

export function policyDecisionOf(f: Pick<DecisionFacts, 'decision' | 'denyCode'>): 'ALLOW' | 'DENY' | 'REQUIRE_HUMAN' {
  return !f.decision.denied ? 'ALLOW' : f.denyCode === REQUIRES_APPROVAL ? 'REQUIRE_HUMAN' : 'DENY';
}

/**
 * The unsigned receipt of link `seq` (its hash is taken by the caller: the next link needs it).
 * `shard` is set only for a sharded tenant's logs (receipts of an unsharded log name no shard).
 */
export function unsignedReceipt(f: DecisionFacts, seq: number, prevHash: string | null, shard?: number): ReturnType<typeof buildReceipt> {
  return buildReceipt({
    ...(shard !== undefined ? { shard } : {}),
    tenant_id: f.tenantId,
    seq,
    prev_receipt_hash: prevHash,
    decision_id: f.decision.decision_id,
    correlation_id: f.input.correlation_id,
    dispatched_at: f.dispatchedAt,
    worker_id: f.workerId,
    worker_species_id: f.decision.selected_worker_species_id,
    capability_id: f.input.capability_id,
    policy_decision: policyDecisionOf(f),
    deny_code: f.denyCode,
    controls_verified: f.decision.denied ? [] : f.controlsVerified,
    artifact_hash: f.decision.artifact_hash,
    rules_version: f.rulesVersion ?? '',
    approval_id: f.approvalId,
    dry_run: f.input.dry_run === true,
    signing_key_id: f.signingKeyId,
  });
}

/** The rows one signed receipt is stored as, in the same batch. */
export function evidenceRecord(f: DecisionFacts, signed: Receipt, decisionJson: string): EvidenceRecord {
  return {
    decision: {
      decision_id: f.decision.decision_id,
      tenant_id: f.tenantId,
      correlation_id: f.input.correlation_id,
      capability_id: f.input.capability_id,
      env: f.input.env,
      data_label: f.input.data_label,
      selected_worker_species_id: f.decision.selected_worker_species_id,
      denied: f.decision.denied,
      deny_code: f.denyCode,
      matched_rule_id: f.decision.matched_rule_id,
      rules_version: f.rulesVersion,
      approval_id: f.approvalId,
      receipt_id: signed.receipt_id,
      receipt_seq: signed.seq,
      created_at: f.dispatchedAt,
      decision_json: decisionJson,
    },
    receipt: {
      receipt_id: signed.receipt_id,
      tenant_id: f.tenantId,
      seq: signed.seq,
      prev_receipt_hash: signed.prev_receipt_hash,
      receipt_hash: signed.receipt_hash,
      decision_id: f.decision.decision_id,
      signing_key_id: f.signingKeyId,
      created_at: f.dispatchedAt,
      receipt_json: JSON.stringify(signed),
    },
    ...(f.openApproval ? { openApproval: f.openApproval } : {}),
    ...(f.usedApprovalId ? { usedApprovalId: f.usedApprovalId } : {}),
  };
}
