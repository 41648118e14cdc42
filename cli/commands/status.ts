// `edgehall status [--hall URL] [--token-env VAR] [--json]`: a Hall's health (status, rules
// version, generation, problems), its enrolled workers, and — when a token is set — the pending
// approvals that token can see. A thin layer over HallClient.health / workers / approvals.pending.
import type { HallApproval } from '../../src/client/index.js';
import { EXIT, HALL_OPTIONS, HALL_OPTIONS_HELP, hallClient, hallTarget, reportHallError, type HallTarget } from '../hall.js';
import { parseCliOptions, printedHelp } from '../options.js';

export const summary = 'health, rules version, workers and pending approvals of a Hall';

const USAGE = `usage: edgehall status [--hall URL] [--token-env VAR] [--json]

Shows the Hall's health (status, rules version, generation, problems), the enrolled workers, and,
when a token is set, the pending approvals visible to it. --json prints one object:
  {"hall", "health", "workers": {"total", "ids"}, "pending_approvals": [...] | null}
${HALL_OPTIONS_HELP}
exit 0 the Hall is ok, 1 it reports problems (degraded) or refused the token, 2 usage,
     3 the Hall could not be reached`;

/** At most this many worker ids are listed (the count is always the Hall's total). */
const MAX_IDS = 1000;

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return EXIT.ok;
  const p = parseCliOptions(argv, HALL_OPTIONS);
  if (typeof p === 'string' || p.positional.length > 0) {
    process.stderr.write(`edgehall status: ${typeof p === 'string' ? p : 'takes no positional arguments'}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const json = p.values['json'] === true;
  let target: HallTarget;
  try {
    target = hallTarget(p, { tokenRequired: false });
  } catch (e) {
    return reportHallError(e, null, json);
  }
  const client = hallClient(target);
  try {
    const health = await client.health();
    const ids: string[] = [];
    let total: number | null = null;
    let cursor: string | undefined;
    do {
      const page = await client.workers({ limit: 500, ...(cursor !== undefined ? { cursor } : {}) });
      if (typeof page['total'] === 'number') total = page['total'];
      for (const w of Array.isArray(page['workers']) ? page['workers'] : []) {
        const id = (w as Record<string, unknown>)?.['worker_id'];
        if (typeof id === 'string' && ids.length < MAX_IDS) ids.push(id);
      }
      cursor = typeof page['next_cursor'] === 'string' && page['next_cursor'] !== '' ? page['next_cursor'] : undefined;
    } while (cursor !== undefined && ids.length < MAX_IDS);
    const pending: HallApproval[] | null = target.token !== undefined ? await client.approvals.pending() : null;

    const ok = health['status'] === 'ok';
    const problems = Array.isArray(health['problems']) ? (health['problems'] as unknown[]).map(String) : [];
    const workers = { total: total ?? ids.length, ids };
    if (json) {
      process.stdout.write(JSON.stringify({ hall: target.url, health, workers, pending_approvals: pending }) + '\n');
    } else {
      const lines = [
        `Hall ${target.url}: ${String(health['status'])}${health['compliance'] ? ` (${String(health['compliance'])}, WCP ${String(health['wcp_version'])})` : ''}`,
        `  rules version     ${String(health['rules_version'] ?? '(none)')}`,
        `  generation        ${String(health['hall_generation'] ?? '(unknown)')}`,
        `  signing           ${String(health['signing'] ?? '(unknown)')}`,
        `  problems          ${problems.length ? problems.join(', ') : 'none'}`,
        `  workers enrolled  ${workers.total}${ids.length ? `: ${ids.join(', ')}` : ''}${ids.length < workers.total ? ' …' : ''}`,
      ];
      if (pending === null) lines.push(`  pending approvals (set ${target.tokenEnv} to see them)`);
      else {
        lines.push(`  pending approvals ${pending.length}`);
        for (const a of pending) {
          lines.push(`    ${a.approval_id}  ${String(a['tenant_id'] ?? '')} ${String(a['capability_id'] ?? '')} ${String(a['supervisor_level'] ?? '')} expires ${String(a['expires_at'] ?? '?')}`);
        }
      }
      process.stdout.write(lines.join('\n') + '\n');
    }
    return ok ? EXIT.ok : EXIT.refused;
  } catch (e) {
    return reportHallError(e, target, json);
  }
}
