// Live feed: decisions as they happen. Polls GET /wcp/feed every second with the cursor of the last
// answer (an idle poll reads one index entry and returns a few bytes), skips polls while the tab is
// hidden, and stops when paused or left. Filters live in the URL (#/feed?deny_code=…), so the
// Denials chart can link here. A decision's detail shows its receipt (verified by the SDK client
// against the Hall's keys) and the exact rule that matched, from the rules version it used.
import type { HallDecisionRecord, HallFeedQuery } from '/sdk/client.js';
import type { App, Screen } from '../app.js';
import { facts, fill, h, jsonBlock, notice } from '../dom.js';
import { clock, isAuthFailure, isoToLocal, localToIso, problem, short, text, when } from '../format.js';

export const POLL_MS = 1000;
const HIDDEN_CHECK_MS = 1000;
const ERROR_BACKOFF_MS = 5000;
const MAX_ROWS = 500;

const FILTERS = ['tenant_id', 'capability_id', 'worker_species_id', 'denied', 'deny_code', 'since', 'until'] as const;

function queryOf(params: URLSearchParams): HallFeedQuery {
  const q: HallFeedQuery = {};
  for (const k of FILTERS) {
    const v = params.get(k);
    if (!v) continue;
    if (k === 'denied') q.denied = v === 'true';
    else q[k] = v;
  }
  return q;
}

function field(label: string, input: HTMLInputElement | HTMLSelectElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', null, label), input);
}

function filterForm(app: App, params: URLSearchParams): HTMLFormElement {
  const input = (name: string, attrs: Record<string, string> = {}) => h('input', { attrs: { name, value: params.get(name) ?? '', autocomplete: 'off', ...attrs } });
  const tenants = app.who.tenants.filter((t) => t !== '*');
  const tenant =
    app.who.kind === 'tenant'
      ? null
      : tenants.length && app.who.kind === 'approver'
        ? h('select', { attrs: { name: 'tenant_id' } }, h('option', { attrs: { value: '' } }, 'all my tenants'), tenants.map((t) => h('option', { attrs: { value: t, selected: params.get('tenant_id') === t } }, t)))
        : input('tenant_id', { placeholder: 'every tenant' });
  const outcome = h(
    'select',
    { attrs: { name: 'denied' } },
    h('option', { attrs: { value: '' } }, 'allowed and denied'),
    h('option', { attrs: { value: 'false', selected: params.get('denied') === 'false' } }, 'allowed only'),
    h('option', { attrs: { value: 'true', selected: params.get('denied') === 'true' } }, 'denied only'),
  );
  const since = input('since', { type: 'datetime-local', value: isoToLocal(params.get('since')) });
  const until = input('until', { type: 'datetime-local', value: isoToLocal(params.get('until')) });
  const form = h(
    'form',
    {
      class: 'filters',
      attrs: { 'aria-label': 'Feed filters' },
      on: {
        submit: (e) => {
          e.preventDefault();
          const next = new URLSearchParams();
          for (const [k, v] of new FormData(form)) {
            const value = String(v).trim();
            if (!value) continue;
            next.set(k, k === 'since' || k === 'until' ? (localToIso(value) ?? '') : value);
          }
          app.go(`#/feed${next.size ? `?${next}` : ''}`);
        },
      },
    },
    tenant ? field('Tenant', tenant) : null,
    field('Capability', input('capability_id', { placeholder: 'cap.…' })),
    field('Worker species', input('worker_species_id', { placeholder: 'wrk.…' })),
    field('Outcome', outcome),
    field('Deny code', input('deny_code', { placeholder: 'DENY_…', pattern: '[A-Z][A-Z0-9_]*' })),
    field('From', since),
    field('Until', until),
    h('div', { class: 'actions' }, h('button', { attrs: { type: 'submit' } }, 'Apply filters'), h('a', { class: 'button quiet', attrs: { href: '#/feed' } }, 'Clear')),
  );
  return form;
}

function outcome(d: HallDecisionRecord): HTMLElement {
  return d.denied
    ? h('span', { class: 'badge denied' }, 'denied ', h('code', null, text(d.deny_code)))
    : h('span', { class: 'badge allowed' }, d.approval_id ? 'allowed (approved)' : 'allowed');
}

async function showDetail(app: App, panel: HTMLElement, id: string): Promise<void> {
  fill(panel, h('p', { class: 'muted' }, 'Loading the decision, its receipt and rule…'));
  panel.hidden = false;
  const decision = await app.client.decision(id);
  const [receipt, rule] = await Promise.allSettled([
    typeof decision.receipt_id === 'string' ? app.client.receipt(decision.receipt_id) : Promise.reject(new Error('no receipt id')),
    app.client.decisionRule(id),
  ]);
  const d = (decision.decision ?? {}) as Record<string, unknown>;
  const reason = d['deny_reason_if_denied'] as { code?: unknown; message?: unknown } | null | undefined;
  const close = h('button', { class: 'quiet', attrs: { type: 'button' }, on: { click: () => ((panel.hidden = true), fill(panel)) } }, 'Close details');
  fill(
    panel,
    h('div', { class: 'toolbar' }, h('h2', { attrs: { tabindex: -1, id: 'detail-title' } }, 'Decision ', h('code', null, id)), close),
    facts([
      ['Outcome', outcome(decision)],
      ['Reason', reason ? `${text(reason.code)} — ${text(reason.message)}` : '—'],
      ['Tenant', text(decision.tenant_id)],
      ['Capability', text(decision.capability_id)],
      ['Env / data label', `${text(decision['env'])} / ${text(decision['data_label'])}`],
      ['Worker', text(decision.selected_worker_species_id)],
      ['Correlation id', text(decision['correlation_id'])],
      ['Rules version', text(decision.rules_version)],
      ['Matched rule', text(decision['matched_rule_id'])],
      ['Approval', text(decision.approval_id)],
      ['At', when(decision.created_at)],
    ]),
    h('h3', null, 'Receipt'),
    receipt.status === 'fulfilled'
      ? [notice('ok', `Receipt seq ${text(receipt.value['seq'])} verified in this page (signature and hash, key ${text(receipt.value['signing_key_id'])}).`), jsonBlock(receipt.value, 'receipt')]
      : notice('error', `The receipt did not verify: ${problem(receipt.reason)}`),
    h('h3', null, 'The rule that matched'),
    rule.status === 'fulfilled'
      ? rule.value['rule']
        ? [
            jsonBlock(rule.value['rule'], 'matched rule'),
            rule.value['tenant_scope_hidden'] ? h('p', { class: 'muted' }, "The rule's tenant list is visible to the admin only.") : null,
          ]
        : h('p', { class: 'muted' }, text(rule.value['why']))
      : notice('error', problem(rule.reason)),
    h('details', null, h('summary', null, 'The whole decision (as routed)'), jsonBlock(d, 'decision')),
  );
  (panel.querySelector('#detail-title') as HTMLElement | null)?.focus();
}

export const feedScreen: Screen = {
  id: 'feed',
  title: 'Live feed',
  visible: () => true,
  async render(app, root, params, signal) {
    const query = queryOf(params);
    const state = h('p', { class: 'muted', attrs: { 'aria-live': 'polite', 'data-feed-state': '' } });
    const pause = h('button', { attrs: { type: 'button', 'aria-pressed': 'false' }, on: { click: () => toggle() } }, 'Pause');
    const rows = h('tbody');
    const empty = h('p', { class: 'muted' }, 'No decisions match yet. Route a request and it appears here within a couple of seconds.');
    const table = h(
      'table',
      { class: 'feed', attrs: { 'aria-label': 'Decisions, newest first' } },
      h('thead', null, h('tr', null, ['Time', 'Tenant', 'Capability', 'Outcome', 'Worker', 'Rule', 'Receipt', ''].map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
      rows,
    );
    const detail = h('aside', { class: 'detail card', attrs: { 'aria-label': 'Decision details', 'data-detail': '' } });
    detail.hidden = true;
    root.append(filterForm(app, params), h('div', { class: 'toolbar' }, pause, state), empty, table, detail);

    const seen = new Set<string>();
    function add(list: HallDecisionRecord[]): void {
      for (const d of list) {
        if (seen.has(d.decision_id)) continue;
        seen.add(d.decision_id);
        const open = h('button', { class: 'quiet', attrs: { type: 'button', 'aria-label': `Details of decision ${d.decision_id}` }, on: { click: () => void showDetail(app, detail, d.decision_id).catch((err) => fill(detail, notice('error', problem(err)))) } }, 'Details');
        const tr = h(
          'tr',
          { class: d.denied ? 'is-denied' : 'is-allowed', attrs: { 'data-decision-id': d.decision_id } },
          h('td', null, h('time', { attrs: { datetime: text(d.created_at) } }, clock(d.created_at))),
          h('td', null, text(d.tenant_id)),
          h('td', null, h('code', null, text(d.capability_id))),
          h('td', null, outcome(d)),
          h('td', null, text(d.selected_worker_species_id)),
          h('td', null, h('code', null, text(d['matched_rule_id']))),
          h('td', null, `#${text(d.receipt_seq)}`),
          h('td', null, open),
        );
        rows.prepend(tr);
      }
      while (rows.children.length > MAX_ROWS) rows.lastElementChild?.remove();
      empty.hidden = rows.children.length > 0;
    }

    const ended = query.until !== undefined && Date.parse(query.until) <= Date.now();
    let cursor: string | null = null;
    let paused = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastOk = '';

    function say(): void {
      fill(state, paused ? 'Paused — resume to catch up from where the feed stopped.' : ended ? 'This time range has ended: nothing new can appear.' : `Live — polling every ${POLL_MS / 1000} s${lastOk ? `, last answer ${lastOk}` : ''}.`);
      state.dataset['feedState'] = paused ? 'paused' : ended ? 'ended' : 'live';
    }

    async function poll(): Promise<void> {
      timer = undefined;
      if (signal.aborted || paused) return;
      if (document.hidden) return schedule(HIDDEN_CHECK_MS);
      try {
        const page = await app.client.feed({ ...query, ...(cursor ? { after: cursor } : {}), limit: cursor ? 200 : 100 });
        if (signal.aborted) return;
        cursor = page.cursor;
        add(page.decisions);
        lastOk = clock(new Date().toISOString());
        say();
        if (!ended) schedule(page.more ? 0 : POLL_MS);
      } catch (err) {
        if (signal.aborted) return;
        if (isAuthFailure(err)) return app.signOut('The Hall no longer accepts this token. Sign in again.');
        fill(state, notice('error', `${problem(err)} Retrying in ${ERROR_BACKOFF_MS / 1000} s.`));
        schedule(ERROR_BACKOFF_MS);
      }
    }
    function schedule(ms: number): void {
      if (timer === undefined && !signal.aborted) timer = setTimeout(() => void poll(), ms);
    }
    function toggle(): void {
      paused = !paused;
      pause.setAttribute('aria-pressed', String(paused));
      fill(pause, paused ? 'Resume' : 'Pause');
      say();
      if (!paused) {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        void poll();
      }
    }
    signal.addEventListener('abort', () => timer !== undefined && clearTimeout(timer));
    say();
    await poll();
  },
};
