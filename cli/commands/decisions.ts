// `edgehall decisions list|show|follow`: the Hall's decision log (GET /decisions, GET /decisions/:id)
// through the SDK's HallClient. `follow` polls the newest page and prints what it has not seen yet,
// oldest first, like `tail -f`.
import type { HallClient, HallDecisionQuery, HallDecisionRecord } from '../../src/client/index.js';
import { EXIT, HALL_OPTIONS, HALL_OPTIONS_HELP, CliUsageError, hallClient, hallTarget, reportHallError, type HallTarget } from '../hall.js';
import { parseCliOptions, printedHelp, str, type ParsedOptions } from '../options.js';

export const summary = 'the decision log: decisions list|show|follow [filters] [--json]';

const FILTER_HELP = `  --tenant T         decisions of tenant T (a tenant token reads its own tenant)
  --capability C     only capability id C
  --worker W         only decisions that selected worker species W
  --denied | --allowed   only denied / only allowed decisions
  --deny-code CODE   only decisions denied with CODE (e.g. DENY_NO_MATCHING_RULE)
  --since ISO        at or after this ISO 8601 time
  --until ISO        before this ISO 8601 time`;

const USAGE = `usage: edgehall decisions list [filters] [--limit N] [--cursor C] [--json]
       edgehall decisions show <decision_id> [--json]
       edgehall decisions follow [filters] [--interval MS] [--limit N] [--max N] [--for-ms MS] [--json]

list     the decision log, newest first: one line per decision (time, tenant, capability,
         allowed / denied + deny code, worker, decision id). With more than --limit decisions the
         cursor for the next page is printed on stderr ("next: --cursor C").
show     one decision with everything the Hall logged (the full decision under "decision").
follow   streams new decisions as the Hall logs them, oldest first, until interrupted (Ctrl-C ends
         it with exit 0). It first prints the --limit most recent matching decisions (default 10;
         0 = only new ones), then polls GET /decisions every --interval MS (default 2000).
         Bounded runs (scripts, tests): --max N stops after printing N decisions, --for-ms MS
         after MS milliseconds; both exit 0.

filters (as GET /decisions):
${FILTER_HELP}
  --limit N          list: at most N decisions (default 50, at most 10000; paged 200 at a time)
  --cursor C         list: continue from a previous run's next cursor
${HALL_OPTIONS_HELP} (list, follow: one JSON object per decision per line;
                     show: the record)

Exit codes: 0 done, 1 the Hall refused (token, tenant, unknown decision), 2 usage error or no token,
3 the Hall could not be reached.`;

const SPEC = {
  ...HALL_OPTIONS,
  tenant: 'string',
  capability: 'string',
  worker: 'string',
  denied: 'boolean',
  allowed: 'boolean',
  'deny-code': 'string',
  since: 'string',
  until: 'string',
  limit: 'string',
  cursor: 'string',
  interval: 'string',
  max: 'string',
  'for-ms': 'string',
} as const;

const PAGE = 200;

function int(p: ParsedOptions, name: string, def: number, min: number, max: number): number {
  const v = str(p, name);
  if (v === undefined) return def;
  if (!/^\d{1,9}$/.test(v) || Number(v) < min || Number(v) > max) throw new CliUsageError(`--${name} must be an integer from ${min} to ${max}; got '${v}'.`);
  return Number(v);
}

function isoOption(p: ParsedOptions, name: string): string | undefined {
  const v = str(p, name);
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) {
    throw new CliUsageError(`--${name} must be an ISO 8601 time with a zone, e.g. 2026-01-31T12:00:00Z; got '${v}'.`);
  }
  return v;
}

function filters(p: ParsedOptions): HallDecisionQuery {
  if (p.values['denied'] && p.values['allowed']) throw new CliUsageError('give --denied or --allowed, not both.');
  const denyCode = str(p, 'deny-code');
  if (denyCode !== undefined && !/^[A-Z][A-Z0-9_]{0,99}$/.test(denyCode)) throw new CliUsageError(`--deny-code must be a deny code such as DENY_NO_MATCHING_RULE; got '${denyCode}'.`);
  const q: HallDecisionQuery = {};
  const set = (k: string, v: string | boolean | undefined): void => {
    if (v !== undefined) q[k] = v;
  };
  set('tenant_id', str(p, 'tenant'));
  set('capability_id', str(p, 'capability'));
  set('worker_species_id', str(p, 'worker'));
  set('denied', p.values['denied'] ? true : p.values['allowed'] ? false : undefined);
  set('deny_code', denyCode);
  set('since', isoOption(p, 'since'));
  set('until', isoOption(p, 'until'));
  return q;
}

/** One human line: time, tenant, capability, allowed/denied + code, worker, decision id. */
export function decisionLine(d: HallDecisionRecord): string {
  const verdict = d.denied ? `denied ${d.deny_code ?? '-'}` : 'allowed';
  return [d.created_at ?? '-', d.tenant_id ?? '-', d.capability_id ?? '-', verdict, d.selected_worker_species_id ?? '-', d.decision_id].join('  ');
}

const print = (d: HallDecisionRecord, json: boolean): void => {
  process.stdout.write((json ? JSON.stringify(d) : decisionLine(d)) + '\n');
};

export async function run(argv: string[]): Promise<number> {
  if (printedHelp(argv, USAGE)) return 0;
  const [sub, ...rest] = argv;
  const p = parseCliOptions(rest, SPEC);
  const usage = (msg: string): number => {
    process.stderr.write(`edgehall decisions: ${msg}\n${USAGE}\n`);
    return EXIT.usage;
  };
  if (sub !== 'list' && sub !== 'show' && sub !== 'follow') return usage(sub ? `unknown subcommand '${sub}' (list, show or follow)` : 'name a subcommand: list, show or follow');
  if (typeof p === 'string') return usage(p);
  const json = p.values['json'] === true;
  let target: HallTarget | null = null;
  try {
    const allowedOptions: Record<string, readonly string[]> = {
      list: ['limit', 'cursor'],
      show: [],
      follow: ['interval', 'limit', 'max', 'for-ms'],
    };
    const filterNames = ['tenant', 'capability', 'worker', 'denied', 'allowed', 'deny-code', 'since', 'until'];
    for (const name of Object.keys(p.values)) {
      if (name in HALL_OPTIONS) continue;
      if (allowedOptions[sub]!.includes(name) || (sub !== 'show' && filterNames.includes(name))) continue;
      throw new CliUsageError(`--${name} does not apply to 'decisions ${sub}'.`);
    }
    if (sub === 'show' ? p.positional.length !== 1 : p.positional.length !== 0) {
      throw new CliUsageError(sub === 'show' ? 'show takes one decision id.' : `unexpected argument '${p.positional[0]}'.`);
    }
    const query = sub === 'show' ? {} : filters(p);
    target = hallTarget(p, { tokenRequired: true });
    const client = hallClient(target);
    if (sub === 'show') {
      const d = await client.decision(p.positional[0]!);
      process.stdout.write(json ? JSON.stringify(d) + '\n' : showText(d));
      return EXIT.ok;
    }
    if (sub === 'list') return await list(client, query, int(p, 'limit', 50, 1, 10_000), str(p, 'cursor'), json);
    return await follow(client, query, {
      intervalMs: int(p, 'interval', 2000, 100, 3_600_000),
      backlog: int(p, 'limit', 10, 0, PAGE),
      max: str(p, 'max') !== undefined ? int(p, 'max', 0, 1, 1_000_000_000) : Infinity,
      forMs: str(p, 'for-ms') !== undefined ? int(p, 'for-ms', 0, 1, 999_999_999) : Infinity,
      json,
    });
  } catch (err) {
    return reportHallError(err, target, json);
  }
}

async function list(client: HallClient, query: HallDecisionQuery, limit: number, cursor: string | undefined, json: boolean): Promise<number> {
  let printed = 0;
  let next: string | null | undefined = cursor;
  while (printed < limit) {
    const page = await client.decisionsPage({ ...query, limit: Math.min(PAGE, limit - printed), ...(next ? { cursor: next } : {}) });
    for (const d of page.decisions) print(d, json);
    printed += page.decisions.length;
    next = page.next_cursor;
    if (!next || page.decisions.length === 0) break;
  }
  if (next && printed >= limit) process.stderr.write(`next: --cursor ${next}\n`);
  if (printed === 0 && !json) process.stderr.write('no decisions match.\n');
  return EXIT.ok;
}

function showText(d: HallDecisionRecord): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(d)) {
    if (k === 'decision') continue;
    lines.push(`${(k + ':').padEnd(28)} ${v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  if (d.decision !== undefined) lines.push('decision:', JSON.stringify(d.decision, null, 2));
  return lines.join('\n') + '\n';
}

interface FollowOptions {
  intervalMs: number;
  /** How many of the most recent decisions to print before following. */
  backlog: number;
  max: number;
  forMs: number;
  json: boolean;
  signal?: AbortSignal;
}

/** At most this many pages are read per poll to catch up after a burst (then a note says some were skipped). */
const MAX_CATCH_UP_PAGES = 25;
const SEEN_LIMIT = 20_000;

/** Streams decisions until --max / --for-ms / SIGINT / `opts.signal`. Exported for bounded use. */
export async function follow(client: HallClient, query: HallDecisionQuery, opts: FollowOptions): Promise<number> {
  const stop = new AbortController();
  const onSigint = (): void => stop.abort();
  process.once('SIGINT', onSigint);
  const timer = Number.isFinite(opts.forMs) ? setTimeout(() => stop.abort(), opts.forMs) : undefined;
  const outer = opts.signal;
  const onOuter = (): void => stop.abort();
  outer?.addEventListener('abort', onOuter, { once: true });
  const seen = new Set<string>();
  let printed = 0;
  try {
    // The first poll: remember everything on the newest page, print only the backlog.
    const first = await client.decisionsPage({ ...query, limit: PAGE }, { signal: stop.signal });
    for (const d of first.decisions) seen.add(d.decision_id);
    for (const d of first.decisions.slice(0, opts.backlog).reverse()) {
      if (printed >= opts.max) break;
      print(d, opts.json);
      printed++;
    }
    while (printed < opts.max && !stop.signal.aborted) {
      await sleep(opts.intervalMs, stop.signal);
      if (stop.signal.aborted) break;
      const fresh: HallDecisionRecord[] = [];
      let cursor: string | undefined;
      let caughtUp = false;
      for (let pages = 0; pages < MAX_CATCH_UP_PAGES && !caughtUp; pages++) {
        const page = await client.decisionsPage({ ...query, limit: PAGE, ...(cursor ? { cursor } : {}) }, { signal: stop.signal });
        for (const d of page.decisions) {
          if (seen.has(d.decision_id)) {
            caughtUp = true;
            break;
          }
          fresh.push(d);
        }
        if (!page.next_cursor || page.decisions.length === 0) caughtUp = true;
        cursor = page.next_cursor ?? undefined;
      }
      if (!caughtUp) process.stderr.write(`edgehall decisions follow: more than ${MAX_CATCH_UP_PAGES * PAGE} new decisions since the last poll; older ones were skipped (use 'decisions list --since').\n`);
      for (const d of fresh.reverse()) {
        seen.add(d.decision_id);
        if (printed < opts.max) {
          print(d, opts.json);
          printed++;
        }
      }
      if (seen.size > SEEN_LIMIT) {
        // Keep the newest ids: a page always reaches back to one of them.
        const keep = [...seen].slice(-SEEN_LIMIT / 2);
        seen.clear();
        for (const id of keep) seen.add(id);
      }
    }
    return EXIT.ok;
  } catch (err) {
    if (stop.signal.aborted) return EXIT.ok;
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (timer) clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
