// Status: is the Hall deciding (health, store problems), under which rules and keys, how busy
// today, and what waits for a human. Refreshed every 10 s while open.
import type { Screen } from '../app.js';
import { facts, fill, h, notice } from '../dom.js';
import { clock, problem, text } from '../format.js';

const REFRESH_MS = 10_000;

/** The decision index (D1) behind the feed and the counts trails the tenant logs: how far, when the Hall says. */
function indexFacts(ix: unknown): [string, string][] {
  if (!ix || typeof ix !== 'object') return [];
  const i = ix as { status?: unknown; lag_receipts?: unknown; logs_failing?: unknown };
  if (i.status === 'unavailable') return [['Decision index', 'unavailable: the feed and counts may be behind']];
  if (typeof i.lag_receipts !== 'number') return [];
  return [['Decision index', `${i.lag_receipts === 0 ? 'up to date' : `${i.lag_receipts} receipts behind the logs`}${Number(i.logs_failing) > 0 ? `, ${String(i.logs_failing)} logs failing to feed it` : ''}`]];
}

export const statusScreen: Screen = {
  id: 'status',
  title: 'Status',
  visible: () => true,
  async render(app, root, _params, signal) {
    const body = h('div', { class: 'grid' });
    const stamp = h('p', { class: 'muted', attrs: { 'aria-live': 'polite' } });
    const refresh = h('button', { attrs: { type: 'button' }, on: { click: () => void load() } }, 'Refresh');
    root.append(h('div', { class: 'toolbar' }, refresh, stamp), body);

    async function load(): Promise<void> {
      const [health, summary, keys] = await Promise.allSettled([app.client.health(), app.client.summary(), app.client.publicKeys()]);
      if (signal.aborted) return;
      const cards: HTMLElement[] = [];
      if (health.status === 'fulfilled') {
        const hv = health.value;
        const problems = Array.isArray(hv['problems']) ? (hv['problems'] as unknown[]) : [];
        const registryProblems = Array.isArray(hv['registry_problems']) ? (hv['registry_problems'] as { worker_id?: unknown; problem?: unknown }[]) : [];
        const ok = hv['status'] === 'ok';
        cards.push(
          h(
            'article',
            { class: `card ${ok ? 'good' : 'bad'}`, attrs: { 'data-card': 'health' } },
            h('h2', null, 'Hall'),
            h('p', { class: 'big', attrs: { 'data-value': 'status' } }, ok ? 'deciding (ok)' : `degraded`),
            facts([
              ['WCP', `${text(hv['wcp_version'])} · ${text(hv['compliance'])}`],
              ['Rules version', h('code', { attrs: { 'data-value': 'rules-version' } }, text(hv['rules_version']))],
              ['Config', text(hv['config_version'])],
              ['Signatory tenants required', hv['require_signatory'] ? 'yes' : 'no'],
              ['Worker attestation required', hv['require_worker_attestation'] ? 'yes' : 'no'],
              ...indexFacts(hv['evidence_index']),
            ]),
            problems.length || registryProblems.length
              ? h(
                  'div',
                  null,
                  h('h3', null, 'Store and configuration problems'),
                  h(
                    'ul',
                    { attrs: { 'data-list': 'problems' } },
                    problems.map((p) => h('li', null, h('code', null, text(p)))),
                    registryProblems.map((p) => h('li', null, `registry: ${text(p.worker_id)} — ${text(p.problem)}`)),
                  ),
                )
              : h('p', { class: 'muted' }, 'No store or configuration problems.'),
          ),
        );
        cards.push(
          h(
            'article',
            { class: 'card', attrs: { 'data-card': 'keys' } },
            h('h2', null, 'Signing'),
            h('p', { class: 'big' }, hv['signing'] === 'ok' ? 'signing key ready' : 'signing key unavailable'),
            keys.status === 'fulfilled'
              ? h('ul', { class: 'plain' }, keys.value.keys.map((k) => h('li', null, h('code', null, text(k['kid'])), ` ${text(k['crv'])}`)))
              : notice('error', problem(keys.reason)),
            h('p', { class: 'muted' }, 'Public keys: /.well-known/wcp-keys.json (old keys stay listed, so old receipts still verify).'),
          ),
          h('article', { class: 'card', attrs: { 'data-card': 'workers' } }, h('h2', null, 'Workers enrolled'), h('p', { class: 'big', attrs: { 'data-value': 'workers' } }, text(hv['workers_enrolled']))),
        );
      } else cards.push(h('article', { class: 'card bad' }, h('h2', null, 'Hall'), notice('error', problem(health.reason))));
      if (summary.status === 'fulfilled') {
        const s = summary.value;
        const today = (s['decisions_today'] ?? {}) as Record<string, unknown>;
        const capped = today['capped'] ? ' (at least)' : '';
        cards.push(
          h(
            'article',
            { class: 'card', attrs: { 'data-card': 'today' } },
            h('h2', null, 'Decisions today (UTC)'),
            h(
              'p',
              { class: 'big' },
              h('span', { class: 'allowed', attrs: { 'data-value': 'allowed-today' } }, text(today['allowed'])),
              ' allowed · ',
              h('span', { class: 'denied', attrs: { 'data-value': 'denied-today' } }, text(today['denied'])),
              ' denied',
              capped,
            ),
            h('p', { class: 'muted' }, `Tenants: ${(s['tenants'] as string[] | undefined)?.join(', ') ?? '—'}`),
            h('a', { attrs: { href: '#/feed' } }, 'Open the live feed'),
          ),
          h(
            'article',
            { class: 'card', attrs: { 'data-card': 'pending' } },
            h('h2', null, 'Pending approvals'),
            h('p', { class: 'big', attrs: { 'data-value': 'pending' } }, text(s['pending_approvals'])),
            h('a', { attrs: { href: '#/approvals' } }, 'Open the approvals queue'),
          ),
        );
      } else cards.push(h('article', { class: 'card bad' }, h('h2', null, 'Decisions today'), notice('error', problem(summary.reason))));
      fill(body, cards);
      fill(stamp, `Updated ${clock(new Date().toISOString())}; refreshes every ${REFRESH_MS / 1000} s.`);
      if (summary.status === 'rejected' && (summary.reason as { status?: number })?.status === 401) throw summary.reason;
    }

    await load();
    const timer = setInterval(() => void load().catch(() => undefined), REFRESH_MS);
    signal.addEventListener('abort', () => clearInterval(timer));
  },
};
