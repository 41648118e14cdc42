// `edgehall approvals list|show <id>|approve <id>|deny <id>|escalate <id> [--reason TEXT] [--tenant T]
// [--hall URL] [--token-env VAR] [--json]`: human approvals (REQUIRE_HUMAN, spec §5.8) over
// HallClient.approvals. Resolving needs an approver token (or the admin token).
import type { HallApproval, HallApprovalResolution } from '../../src/client/index.js';
import { EXIT, HALL_OPTIONS, HALL_OPTIONS_HELP, hallClient, hallTarget, reportHallError, type HallTarget } from '../hall.js';
import { parseCliOptions, printedHelp, str } from '../options.js';

export const summary = 'list, show and resolve (approve | deny | escalate) human approvals';

const USAGE = `usage: edgehall approvals list [--tenant T] [--hall URL] [--token-env VAR] [--json]
       edgehall approvals show <approval_id> [--hall URL] [--token-env VAR] [--json]
       edgehall approvals approve|deny|escalate <approval_id> [--reason TEXT] [--hall URL] [--token-env VAR] [--json]

  list      pending approvals visible to the token (tenant, capability, level, context, expiry)
  show      one approval, with its history when the Hall returns it
  approve   allow the request once: the requester re-routes with --approval-id <id>
  deny      refuse it; escalate  hand it to the next supervisor level (stays pending)
  --reason TEXT      a note recorded with the resolution (at most 500 characters)
  --tenant T         list only tenant T's approvals
${HALL_OPTIONS_HELP}
Resolving needs an approver token (PUT /admin/approvers/<id>) or the admin token; tenants cannot resolve.
exit 0 done, 1 the Hall refused (e.g. APPROVER_REQUIRED, APPROVAL_ALREADY_RESOLVED, APPROVAL_EXPIRED,
     APPROVAL_NOT_FOUND), 2 usage or no token, 3 the Hall could not be reached`;

const RESOLUTIONS: Record<string, HallApprovalResolution> = { approve: 'approve', deny: 'deny', escalate: 'escalate' };

function usageError(message: string): number {
  process.stderr.write(`edgehall approvals: ${message}\n${USAGE}\n`);
  return EXIT.usage;
}

const s = (v: unknown): string => (v === null || v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v));

function oneLine(a: HallApproval): string {
  return `${a.approval_id}  ${s(a['status'])}  tenant ${s(a['tenant_id'])}  ${s(a['capability_id'])}  ${s(a['env'])}/${s(a['data_label'])}  level ${s(a['supervisor_level'])}  expires ${s(a['expires_at'])}`;
}

function details(a: HallApproval): string {
  const lines = [
    `approval ${a.approval_id}`,
    `  status            ${s(a['status'])}`,
    `  tenant            ${s(a['tenant_id'])}`,
    `  capability        ${s(a['capability_id'])} (env ${s(a['env'])}, data ${s(a['data_label'])})`,
    `  supervisor level  ${s(a['supervisor_level'])}`,
    `  decision          ${s(a['decision_id'])} (correlation ${s(a['correlation_id'])})`,
    `  reason            ${s(a['reason'])}`,
    `  context           ${s(a['escalation_context'])}`,
    `  created / expires ${s(a['created_at'])} / ${s(a['expires_at'])}`,
  ];
  if (a['resolved_at'] != null) lines.push(`  resolved          ${s(a['resolved_at'])} by ${s(a['resolved_by'])}${a['resolution_note'] != null ? `: ${s(a['resolution_note'])}` : ''}`);
  if (a['used_by_decision_id'] != null) lines.push(`  used by decision  ${s(a['used_by_decision_id'])} at ${s(a['used_at'])}`);
  const history = a['history'];
  if (Array.isArray(history)) {
    lines.push(`  history (${history.length})`);
    for (const h of history as Record<string, unknown>[]) {
      const levels = h['from_level'] != null || h['to_level'] != null ? ` ${s(h['from_level'])} → ${s(h['to_level'])}` : '';
      lines.push(`    ${s(h['seq'])}. ${s(h['at'])} ${s(h['action'])}${levels} by ${s(h['actor'])}${h['note'] != null ? `: ${s(h['note'])}` : ''}`);
    }
  }
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return EXIT.ok;
  const p = parseCliOptions(argv, { ...HALL_OPTIONS, reason: 'string', tenant: 'string' });
  if (typeof p === 'string') return usageError(p);
  const [sub, id, ...extra] = p.positional;
  if (!sub) return usageError('name a subcommand: list, show, approve, deny or escalate');
  const json = p.values['json'] === true;
  const reason = str(p, 'reason');
  const tenant = str(p, 'tenant');
  if (sub === 'list') {
    if (id !== undefined) return usageError('list takes no approval id (use show <id>)');
    if (reason !== undefined) return usageError('--reason goes with approve, deny or escalate');
  } else if (sub === 'show' || sub in RESOLUTIONS) {
    if (id === undefined || extra.length > 0) return usageError(`${sub} takes exactly one approval id`);
    if (tenant !== undefined) return usageError('--tenant goes with list');
    if (sub === 'show' && reason !== undefined) return usageError('--reason goes with approve, deny or escalate');
  } else return usageError(`unknown subcommand '${sub}'`);

  let target: HallTarget;
  try {
    target = hallTarget(p, { tokenRequired: true });
  } catch (e) {
    return reportHallError(e, null, json);
  }
  const client = hallClient(target);
  try {
    if (sub === 'list') {
      const list = await client.approvals.pending(tenant !== undefined ? { tenant_id: tenant } : {});
      if (json) process.stdout.write(JSON.stringify({ approvals: list }) + '\n');
      else if (list.length === 0) process.stdout.write(`no pending approvals visible to the token in ${target.tokenEnv}${tenant !== undefined ? ` for tenant ${tenant}` : ''}\n`);
      else {
        const lines = [`${list.length} pending approval${list.length === 1 ? '' : 's'}:`];
        for (const a of list) {
          lines.push(`  ${oneLine(a)}`);
          if (a['reason'] != null) lines.push(`      reason:  ${s(a['reason'])}`);
          if (a['escalation_context'] != null && JSON.stringify(a['escalation_context']) !== '{}') lines.push(`      context: ${s(a['escalation_context'])}`);
        }
        lines.push(`resolve with: edgehall approvals approve|deny|escalate <approval_id> [--reason TEXT]`);
        process.stdout.write(lines.join('\n') + '\n');
      }
      return EXIT.ok;
    }
    if (sub === 'show') {
      const a = await client.approvals.get(id!);
      process.stdout.write((json ? JSON.stringify(a) : details(a)) + '\n');
      return EXIT.ok;
    }
    const resolved = (await client.approvals.resolve(id!, RESOLUTIONS[sub]!, reason !== undefined ? { reason } : {})) as HallApproval;
    if (json) process.stdout.write(JSON.stringify(resolved) + '\n');
    else {
      const next =
        sub === 'approve'
          ? `\nthe requester may now re-route once with: edgehall route --hall ${target.url} <input.json> --approval-id ${resolved.approval_id ?? id}`
          : '';
      process.stdout.write(`${sub === 'escalate' ? 'escalated' : sub === 'approve' ? 'approved' : 'denied'} ${resolved.approval_id ?? id}\n${details(resolved)}${next}\n`);
    }
    return EXIT.ok;
  } catch (e) {
    return reportHallError(e, target, json);
  }
}
