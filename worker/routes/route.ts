// POST /route: validate → authorize → decide on the cached snapshot → receipt (chained, signed) →
// one D1 batch → {decision, receipt}. If anything on the evidence path fails, 503 and nothing is
// allowed ("no dispatch without evidence").
import { applyTenantFacts, trustedBlastScore, type RouteInput, type TrustedFactsReport } from '../../src/routing/index.js';
import { buildReceipt, hashReceipt, type Receipt } from '../../src/receipts/index.js';
import { toBase64Url, utf8 } from '../../src/util/index.js';
import { approvalTtlMs, checkCitedApproval, openApprovalFor } from '../approvals.js';
import type { RequestContext } from '../context.js';
import { currentSnapshot } from '../state.js';
import { controlsVerified, decideOnSnapshot, envNotAllowedDecision } from '../engine.js';
import { assertTenantAccess, requirePrincipal, tenantFactsFor, type Principal } from '../http/auth.js';
import { parseWith, readJson } from '../http/body.js';
import { HallHttpError, jsonResponse } from '../http/problem.js';
import { RouteRequestSchema, type HallDecision } from '../schemas.js';
import type { ApprovalRow, EvidenceRecord } from '../stores/evidence-store.js';
import type { AppendTiming } from '../chain/writer.js';

export const ROUTE_BODY_LIMIT = 64 * 1024;
const REQUIRES_APPROVAL = 'DENY_REQUIRES_HUMAN_APPROVAL';

/**
 * Phase timings as a `Server-Timing` header, only when the deployment opts in
 * (HALL_SERVER_TIMING = "1"; the HTTP bench does): durations only, no content.
 */
function serverTimingOn(ctx: RequestContext): boolean {
  return (ctx.env as { HALL_SERVER_TIMING?: string }).HALL_SERVER_TIMING === '1';
}

/** The tenant comes from the token: a tenant token may omit tenant_id; the admin token must name it. */
function tenantOf(principal: Principal, declared: string | undefined): string {
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

export async function postRoute(ctx: RequestContext): Promise<Response> {
  const timed = serverTimingOn(ctx);
  const marks: [string, number][] = [];
  let last = timed ? performance.now() : 0;
  const mark = timed
    ? (name: string) => {
        const now = performance.now();
        marks.push([name, now - last]);
        last = now;
      }
    : () => undefined;
  const principal = await requirePrincipal(ctx);
  mark('auth');
  const body = parseWith(RouteRequestSchema, await readJson(ctx.request, ROUTE_BODY_LIMIT), 'The RouteInput');
  mark('body');
  const { approval_id: citedApprovalId, tenant_id: declaredTenant, ...input } = body;
  // A rehearsal must not lean on a human's approval: its receipt would cite an approval it never used.
  if (input.dry_run && citedApprovalId !== undefined) {
    throw new HallHttpError(400, 'DRY_RUN_CANNOT_CITE_APPROVAL', 'A dry run cannot cite an approval (it would not consume it). Send the dry run without approval_id, or the real request with it.');
  }
  const tenantId = tenantOf(principal, declaredTenant);
  assertTenantAccess(principal, tenantId);
  const declared = { ...input, tenant_id: tenantId } as RouteInput;
  // Hall-held facts: the stricter of the tenant record and the request wins. Everything below — the
  // decision, artifact_hash, receipt, approvals and the decision row — uses the effective input.
  const applied = applyTenantFacts(declared, await tenantFactsFor(ctx, principal, tenantId));
  const routeInput = applied.input;

  const { runtime, stores } = ctx;
  const [snapshot, signer] = await Promise.all([currentSnapshot(ctx), runtime.signer.get(ctx.env.HALL_SIGNING_KEY)]);
  await runtime.signer.ensureRecorded(signer, stores.evidence);
  mark('state');

  const nowMs = Date.now();
  let cited: ApprovalRow | null = null;
  if (citedApprovalId !== undefined) cited = await checkCitedApproval(stores.evidence, citedApprovalId, routeInput, nowMs);

  const report: TrustedFactsReport = { worker_species_id: null, held_blast_score: null };
  const decision: HallDecision = applied.envAllowed
    ? decideOnSnapshot(snapshot, routeInput, cited?.approval_id ?? null, report)
    : envNotAllowedDecision(routeInput, applied.facts.env.held ?? []);
  const selected = decision.selected_worker_species_id;
  const workerId = selected ? (snapshot.workerIdOfSpecies.get(selected) ?? null) : null;
  const consideredId = report.worker_species_id ? (snapshot.workerIdOfSpecies.get(report.worker_species_id) ?? null) : null;
  decision.selected_worker_id = workerId;
  decision.hall_facts = {
    ...applied.facts,
    blast_score: {
      declared: declared.blast_score ?? null,
      held: report.held_blast_score,
      effective: trustedBlastScore(routeInput, report.held_blast_score),
      worker_id: consideredId,
    },
  };
  const denyCode = decision.denied ? (decision.deny_reason_if_denied?.code ?? 'DENY_UNKNOWN') : null;

  let openApproval: ApprovalRow | undefined;
  if (denyCode === REQUIRES_APPROVAL) {
    const reason = decision.deny_reason_if_denied!;
    const level = typeof reason['supervisor_level'] === 'string' ? reason['supervisor_level'] : 'gatekeeper';
    // A dry run shows that a human would be needed but opens no approval (no human work for a rehearsal).
    if (!routeInput.dry_run) openApproval = openApprovalFor(routeInput, decision, nowMs, approvalTtlMs(ctx.env.HALL_APPROVAL_TTL_MINUTES));
    decision.supervisor_required = true;
    decision.supervisor_level = level;
    decision.pending_approval_id = openApproval?.approval_id ?? null;
    decision.approval_resolve_endpoint = openApproval ? `POST /wcp/approvals/${openApproval.approval_id}/resolve` : null;
    decision.approval_expires_at = openApproval?.expires_at ?? null;
    decision.escalation_context = openApproval ? (JSON.parse(openApproval.escalation_context) as Record<string, unknown>) : {};
  }

  // An approval is consumed only by an allowed, real (non-dry-run) dispatch — atomically, so two
  // concurrent re-submissions cannot both use it.
  const usesApproval = cited !== null && !decision.denied && !routeInput.dry_run;
  if (usesApproval && !(await stores.evidence.claimApproval(cited!.approval_id, nowMs, new Date(nowMs).toISOString()))) {
    throw new HallHttpError(409, 'APPROVAL_ALREADY_USED', 'This approval was used by a concurrent request. Submit the request without approval_id to open a new one.');
  }

  const receiptApprovalId = usesApproval || (cited && !decision.denied) ? cited!.approval_id : (openApproval?.approval_id ?? null);
  const decisionJson = JSON.stringify(decision);
  const dispatchedAt = new Date(nowMs).toISOString();
  mark('decide');
  const chainTiming: AppendTiming | undefined = timed ? { waitMs: 0, buildMs: 0, writeMs: 0, batch: 0, attempts: 0 } : undefined;

  try {
    const receipt = await runtime.chains.append<Receipt>(stores.evidence, tenantId, {
      prepare(seq, prevHash) {
        const unsigned = buildReceipt({
          tenant_id: tenantId,
          seq,
          prev_receipt_hash: prevHash,
          decision_id: decision.decision_id,
          correlation_id: routeInput.correlation_id,
          dispatched_at: dispatchedAt,
          worker_id: workerId,
          worker_species_id: selected,
          capability_id: routeInput.capability_id,
          policy_decision: !decision.denied ? 'ALLOW' : denyCode === REQUIRES_APPROVAL ? 'REQUIRE_HUMAN' : 'DENY',
          deny_code: denyCode,
          controls_verified: decision.denied ? [] : controlsVerified(snapshot, selected, decision.required_controls_effective),
          artifact_hash: decision.artifact_hash,
          rules_version: snapshot.rulesVersion ?? '',
          approval_id: receiptApprovalId,
          dry_run: routeInput.dry_run === true,
          signing_key_id: signer.kid,
        });
        // The hash now (the next link needs it); the signature may follow asynchronously.
        const receiptHash = hashReceipt(unsigned);
        const finish = async () => {
          // Ed25519 over the ASCII hex hash (what signReceipt does), without hashing the receipt twice.
          const signature = toBase64Url(await signer.ed.sign(utf8(receiptHash)));
          const signed = { ...unsigned, receipt_hash: receiptHash, signature } as Receipt;
          const record: EvidenceRecord = {
            decision: {
              decision_id: decision.decision_id,
              tenant_id: tenantId,
              correlation_id: routeInput.correlation_id,
              capability_id: routeInput.capability_id,
              env: routeInput.env,
              data_label: routeInput.data_label,
              selected_worker_species_id: selected,
              denied: decision.denied,
              deny_code: denyCode,
              matched_rule_id: decision.matched_rule_id,
              rules_version: snapshot.rulesVersion,
              approval_id: receiptApprovalId,
              receipt_id: signed.receipt_id,
              receipt_seq: seq,
              created_at: dispatchedAt,
              decision_json: decisionJson,
            },
            receipt: {
              receipt_id: signed.receipt_id,
              tenant_id: tenantId,
              seq,
              prev_receipt_hash: prevHash,
              receipt_hash: signed.receipt_hash,
              decision_id: decision.decision_id,
              signing_key_id: signer.kid,
              created_at: dispatchedAt,
              receipt_json: JSON.stringify(signed),
            },
            ...(openApproval ? { openApproval } : {}),
            ...(usesApproval ? { usedApprovalId: cited!.approval_id } : {}),
        };
        return { record, result: signed };
        };
        return { receiptHash, finish };
      },
    }, chainTiming);
    mark('chain');
    const response = jsonResponse({ decision, receipt });
    if (timed && chainTiming) {
      mark('respond');
      const c = chainTiming;
      const entries = [...marks, ['chain-wait', c.waitMs], ['chain-build', c.buildMs], ['chain-d1', c.writeMs]] as [string, number][];
      const header = entries.map(([n, ms]) => `${n};dur=${ms.toFixed(2)}`).concat(`chain-batch;desc="${c.batch}/${c.attempts}"`).join(', ');
      response.headers.set('server-timing', header);
    }
    return response;
  } catch (err) {
    // Nothing was recorded, so the approval was not really used: give it back (best effort).
    if (usesApproval) await stores.evidence.releaseApproval(cited!.approval_id).catch(() => undefined);
    throw err;
  }
}
