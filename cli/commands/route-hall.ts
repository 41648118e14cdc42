// `edgehall route --hall URL <input.json | -> [--token-env VAR] [--approval-id ID] [--dry-run] [--json]`:
// the Hall mode of `edgehall route` (cli/commands/route.ts keeps the in-process mode). POST /route
// through HallClient.route, which verifies the receipt (signature, hash, and that it records this
// decision) before anything is printed.
import { readFileSync } from 'node:fs';
import { HallApiError, HallReceiptError, type HallRouteRequest, type HallRouteResult } from '../../src/client/index.js';
import { EXIT, HALL_OPTIONS, HALL_OPTIONS_HELP, hallClient, hallTarget, reportHallError, type HallTarget } from '../hall.js';
import { parseCliOptions, str } from '../options.js';

export const HALL_USAGE = `usage: edgehall route --hall URL <input.json | -> [--token-env VAR] [--approval-id ID] [--dry-run] [--json]
       (Hall mode: also when EDGEHALL_URL is set and neither --rules nor --workers is given)

Asks the Hall for a decision (POST /route) and verifies its signed receipt against the Hall's keys.
  --approval-id ID   re-submit a REQUIRE_HUMAN request after 'edgehall approvals approve ID'
  --dry-run          decide without dispatching and without opening an approval
${HALL_OPTIONS_HELP}
exit 0 allowed, 1 denied (or the receipt did not verify), 2 invalid input, files or no token,
     3 the Hall could not be reached`;

/** True when `route` should ask a Hall rather than decide in-process. */
export function wantsHallMode(argv: string[]): boolean {
  const local = argv.some((a) => a === '--rules' || a === '--workers' || a.startsWith('--rules=') || a.startsWith('--workers='));
  if (local) return false;
  return argv.some((a) => a === '--hall' || a.startsWith('--hall=')) || !!process.env['EDGEHALL_URL'];
}

function usageError(message: string): number {
  process.stderr.write(`edgehall route: ${message}\n${HALL_USAGE}\n`);
  return EXIT.usage;
}

function readInput(file: string): unknown {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read input file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`input file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function summaryLines(r: HallRouteResult, url: string): string {
  const d = r.decision;
  const rc = r.receipt;
  const lines = [
    d.denied
      ? `DENIED ${String(d.deny_reason_if_denied?.code ?? rc.deny_code ?? '')}: ${String(d.deny_reason_if_denied?.message ?? '')}`
      : `ALLOWED → ${String(d.selected_worker_species_id)}`,
    `  decision   ${String(d.decision_id)} (rule ${String(d.matched_rule_id)}, rules ${rc.rules_version || '-'})${rc.dry_run ? ' — dry run' : ''}`,
    `  receipt    ${rc.receipt_id} (tenant ${rc.tenant_id} seq ${rc.seq}, ${rc.policy_decision}, key ${rc.signing_key_id}) verified against ${url}/.well-known/wcp-keys.json`,
  ];
  if (d.pending_approval_id) {
    lines.push(`  approval   ${d.pending_approval_id} pending (level ${String(d.supervisor_level ?? '-')}, expires ${String(d.approval_expires_at ?? '-')})`);
    lines.push(`             after 'edgehall approvals approve ${d.pending_approval_id}', re-route with --approval-id ${d.pending_approval_id}`);
  }
  if (rc.approval_id) lines.push(`  approved   by approval ${rc.approval_id}`);
  return lines.join('\n');
}

export async function runHall(argv: string[]): Promise<number> {
  const p = parseCliOptions(argv, { ...HALL_OPTIONS, 'approval-id': 'string', 'dry-run': 'boolean' });
  if (typeof p === 'string') return usageError(p);
  if (p.positional.length !== 1) return usageError('give exactly one input file (or - for stdin)');
  const json = p.values['json'] === true;

  let input: unknown;
  try {
    input = readInput(p.positional[0]!);
  } catch (e) {
    process.stderr.write(`edgehall route: ${(e as Error).message}\n`);
    return EXIT.usage;
  }
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    process.stderr.write(`edgehall route: input file ${p.positional[0]} must hold one JSON object (a RouteInput).\n`);
    return EXIT.usage;
  }
  const request = { ...(input as Record<string, unknown>) };
  const approvalId = str(p, 'approval-id');
  if (approvalId !== undefined) request['approval_id'] = approvalId;
  if (p.values['dry-run'] === true) request['dry_run'] = true;

  let target: HallTarget;
  try {
    target = hallTarget(p, { tokenRequired: true });
  } catch (e) {
    return reportHallError(e, null, json);
  }
  try {
    const result = await hallClient(target).route(request as HallRouteRequest);
    process.stdout.write((json ? JSON.stringify(result) : summaryLines(result, target.url)) + '\n');
    return result.decision.denied ? EXIT.refused : EXIT.ok;
  } catch (e) {
    if (e instanceof HallReceiptError) {
      // No verifiable evidence: the decision is withheld, like a denial.
      if (json) process.stdout.write(JSON.stringify({ error: { code: e.code, message: e.message } }) + '\n');
      process.stderr.write(`edgehall route: ${e.code}: ${e.message}\n`);
      return EXIT.refused;
    }
    if (e instanceof HallApiError && e.status === 400) {
      // The Hall refused the input itself (strict RouteInput): invalid input, exit 2, with each path.
      reportHallError(e, target, json);
      for (const i of e.issues) process.stderr.write(`  - ${i.path.join('.') || '(root)'}: ${i.message}\n`);
      return EXIT.usage;
    }
    return reportHallError(e, target, json);
  }
}
