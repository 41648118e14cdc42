// The one decide-and-receipt path, shared by POST /route and the MCP gateway's tools/call:
// tenant from the token → Hall-held facts → decide on the cached snapshot → approvals → append to
// the tenant's log (its Durable Object chains, signs and stores receipt + decision row in one
// durable write). If anything on the evidence path fails it throws (503) and nothing is allowed:
// no dispatch without evidence. The D1 index is fed by the log and may trail it.
import { applyTenantFacts, trustedBlastScore, type RouteInput, type TrustedFactsReport } from '../../src/routing/index.js';
import type { Receipt } from '../../src/receipts/index.js';
import { approvalTtlMs, checkCitedApproval, openApprovalFor } from '../approvals.js';
import type { RequestContext } from '../context.js';
import { controlsVerified, decideOnSnapshot, envNotAllowedDecision } from '../engine.js';
import { assertTenantAccess, tenantFactsFor, type Principal } from '../http/auth.js';
import { HallHttpError } from '../http/problem.js';
import type { PhaseTimer } from '../http/server-timing.js';
import type { RouteRequest, HallDecision } from '../schemas.js';
import type { HallSnapshot } from '../snapshot.js';
import { currentSnapshot } from '../state.js';
import type { ApprovalRow } from '../stores/evidence-store.js';
import { REQUIRES_APPROVAL, type DecisionFacts } from './evidence-record.js';

/** A decision that is durable in the tenant's log, with what a dispatcher needs next. */
export interface RecordedDecision {
  decision: HallDecision;
  receipt: Receipt;
  /** The effective RouteInput (Hall-held facts applied) the decision and artifact_hash cover. */
  input: RouteInput;
  /** worker_id of the selected species' own record, or null. */
  workerId: string | null;
  /** The snapshot the decision was made on (the selected worker's record is read from it). */
  snapshot: HallSnapshot;
}

/** The tenant comes from the token: a tenant token may omit tenant_id; the admin token must name it. */
export function tenantOf(principal: Principal, declared: string | undefined): string {
  if (declared !== undefined) return declared;
  if (principal.kind === 'tenant') return principal.id;
  if (principal.kind === 'admin') {
    throw new HallHttpError(400, 'INVALID_INPUT', 'The admin token may act for any tenant, so the RouteInput must name tenant_id. Add "tenant_id" to the body.', {
      issues: [{ path: ['tenant_id'], message: 'required when routing with the admin token' }],
    });
  }
  assertTenantAccess(principal, '');
  return '';
}

/** The REQUIRE_HUMAN fields of a decision (and the approval it opens unless this is a dry run). */
function requireHuman(decision: HallDecision, input: RouteInput, nowMs: number, ttlMs: number): ApprovalRow | undefined {
  const reason = decision.deny_reason_if_denied!;
  const level = typeof reason['supervisor_level'] === 'string' ? reason['supervisor_level'] : 'gatekeeper';
  // A dry run shows that a human would be needed but opens no approval (no human work for a rehearsal).
  const open = input.dry_run ? undefined : openApprovalFor(input, decision, nowMs, ttlMs);
  decision.supervisor_required = true;
  decision.supervisor_level = level;
  decision.pending_approval_id = open?.approval_id ?? null;
  decision.approval_resolve_endpoint = open ? `POST /wcp/approvals/${open.approval_id}/resolve` : null;
  decision.approval_expires_at = open?.expires_at ?? null;
  decision.escalation_context = open ? (JSON.parse(open.escalation_context) as Record<string, unknown>) : {};
  return open;
}

export async function decideAndRecord(ctx: RequestContext, principal: Principal, body: RouteRequest, timer: PhaseTimer): Promise<RecordedDecision> {
  const { approval_id: citedApprovalId, tenant_id: declaredTenant, ...request } = body;
  // A rehearsal must not lean on a human's approval: its receipt would cite an approval it never used.
  if (request.dry_run && citedApprovalId !== undefined) {
    throw new HallHttpError(400, 'DRY_RUN_CANNOT_CITE_APPROVAL', 'A dry run cannot cite an approval (it would not consume it). Send the dry run without approval_id, or the real request with it.');
  }
  const tenantId = tenantOf(principal, declaredTenant);
  assertTenantAccess(principal, tenantId);
  const declared = { ...request, tenant_id: tenantId } as RouteInput;
  // Hall-held facts: the stricter of the tenant record and the request wins. Everything below — the
  // decision, artifact_hash, receipt, approvals and the decision row — uses the effective input.
  const applied = applyTenantFacts(declared, await tenantFactsFor(ctx, principal, tenantId));
  const input = applied.input;

  const { runtime, stores } = ctx;
  const [snapshot, signer] = await Promise.all([currentSnapshot(ctx), runtime.signer.get(ctx.env.HALL_SIGNING_KEY)]);
  await runtime.signer.ensureRecorded(signer, stores.evidence);
  timer.mark('state');

  const nowMs = Date.now();
  const cited = citedApprovalId === undefined ? null : await checkCitedApproval(stores.evidence, citedApprovalId, input, nowMs);

  const report: TrustedFactsReport = { worker_species_id: null, held_blast_score: null };
  const decision: HallDecision = applied.envAllowed
    ? decideOnSnapshot(snapshot, input, cited?.approval_id ?? null, report)
    : envNotAllowedDecision(input, applied.facts.env.held ?? []);
  const selected = decision.selected_worker_species_id;
  const workerId = selected ? (snapshot.workerIdOfSpecies.get(selected) ?? null) : null;
  decision.selected_worker_id = workerId;
  decision.hall_facts = {
    ...applied.facts,
    blast_score: {
      declared: declared.blast_score ?? null,
      held: report.held_blast_score,
      effective: trustedBlastScore(input, report.held_blast_score),
      worker_id: report.worker_species_id ? (snapshot.workerIdOfSpecies.get(report.worker_species_id) ?? null) : null,
    },
  };
  const denyCode = decision.denied ? (decision.deny_reason_if_denied?.code ?? 'DENY_UNKNOWN') : null;
  const openApproval = denyCode === REQUIRES_APPROVAL ? requireHuman(decision, input, nowMs, approvalTtlMs(ctx.env.HALL_APPROVAL_TTL_MINUTES)) : undefined;

  // The tenant's log (its shard, when the tenant record splits it), chosen before anything is claimed.
  const log = await runtime.logs.forAppend(ctx, tenantId);
  // An approval is consumed only by an allowed, real (non-dry-run) dispatch — atomically, so two
  // concurrent re-submissions cannot both use it.
  const usesApproval = cited !== null && !decision.denied && !input.dry_run;
  if (usesApproval && !(await stores.evidence.claimApproval(cited.approval_id, nowMs, new Date(nowMs).toISOString()))) {
    throw new HallHttpError(409, 'APPROVAL_ALREADY_USED', 'This approval was used by a concurrent request. Submit the request without approval_id to open a new one.');
  }

  const facts: DecisionFacts = {
    tenantId,
    input,
    decision,
    denyCode,
    workerId,
    controlsVerified: decision.denied ? [] : controlsVerified(snapshot, selected, decision.required_controls_effective),
    rulesVersion: snapshot.rulesVersion,
    approvalId: cited && !decision.denied ? cited.approval_id : (openApproval?.approval_id ?? null),
    dispatchedAt: new Date(nowMs).toISOString(),
    signingKeyId: signer.kid,
    openApproval,
    usedApprovalId: usesApproval ? cited.approval_id : undefined,
  };
  const decisionJson = JSON.stringify(decision);
  timer.mark('decide');

  let receipt: Receipt;
  try {
    receipt = await log.append({ ...facts, decisionJson }, timer.log);
  } catch (err) {
    // Nothing was recorded, so the approval was not really used: give it back (best effort).
    if (usesApproval) await stores.evidence.releaseApproval(cited.approval_id).catch(() => undefined);
    throw err;
  }
  runtime.logs.noteAppend(log, receipt.seq);
  timer.mark('log');
  // The approval is in the log with its decision; open it in D1 now so approvers see it at once
  // (the index feed writes the same rows idempotently, so a failure here only delays it).
  const indexLater = (err: unknown) => console.error('edgehall: approval change not in D1 yet; the log\'s index feed writes it', (err as Error)?.message);
  if (openApproval) await stores.evidence.openApproval(openApproval).catch(indexLater);
  if (usesApproval) await stores.evidence.markApprovalUsed(cited.approval_id, decision.decision_id).catch(indexLater);
  return { decision, receipt, input, workerId, snapshot };
}
