// Approvals: the pending queue with each request's context and an expiry countdown, and — for
// approver and admin tokens only — approve / deny / escalate with a reason. Below, the approvals
// already decided, with who and when. The queue is re-read every 5 s; a card being worked on
// (a reason typed) is never redrawn under the user's hands.
import type { HallApproval } from '/sdk/client.js';
import type { App, Screen } from '../app.js';
import { facts, fill, h, jsonBlock, notice } from '../dom.js';
import { countdown, problem, short, text, when } from '../format.js';

const REFRESH_MS = 5000;

function card(app: App, a: HallApproval, onDone: () => void): HTMLElement {
  const id = a.approval_id;
  const clock = h('span', { class: 'countdown', attrs: { 'data-expires': text(a['expires_at']) } }, countdown(a['expires_at']));
  const result = h('div', { attrs: { 'aria-live': 'polite' } });
  const may = app.who.may.resolve_approvals;
  const reason = h('textarea', { attrs: { id: `reason-${id}`, name: 'reason', rows: 2, maxlength: 500, placeholder: 'Why (recorded with the resolution)' } });
  const act = (decision: 'approve' | 'deny' | 'escalate') => async () => {
    for (const b of buttons) b.disabled = true;
    try {
      const out = await app.client.approvals.resolve(id, decision, reason.value.trim() ? { reason: reason.value.trim() } : {});
      fill(result, notice('ok', decision === 'escalate' ? `Escalated to ${text(out['supervisor_level'])}.` : `${decision === 'approve' ? 'Approved' : 'Denied'} by ${text(out['resolved_by'])} at ${when(out['resolved_at'])}.`));
      setTimeout(onDone, 1500);
    } catch (err) {
      fill(result, notice('error', problem(err)));
      for (const b of buttons) b.disabled = false;
    }
  };
  const buttons = may
    ? [
        h('button', { class: 'approve', attrs: { type: 'button', 'data-action': 'approve' }, on: { click: act('approve') } }, 'Approve'),
        h('button', { class: 'deny', attrs: { type: 'button', 'data-action': 'deny' }, on: { click: act('deny') } }, 'Deny'),
        h('button', { class: 'quiet', attrs: { type: 'button', 'data-action': 'escalate' }, on: { click: act('escalate') } }, 'Escalate'),
      ]
    : [];
  return h(
    'article',
    { class: 'card approval', attrs: { 'data-approval-id': id, 'aria-labelledby': `ap-${id}` } },
    h('h2', { id: `ap-${id}` }, h('code', null, text(a['capability_id'])), ` for ${text(a['tenant_id'])}`, ' ', clock),
    facts([
      ['Approval', h('code', null, id)],
      ['Env / data label', `${text(a['env'])} / ${text(a['data_label'])}`],
      ['Supervisor level', text(a['supervisor_level'])],
      ['Why a human', text(a['reason'])],
      ['Decision', h('code', null, short(a['decision_id'], 13))],
      ['Opened', when(a['created_at'])],
      ['Expires', when(a['expires_at'])],
    ]),
    h('details', null, h('summary', null, 'Request context'), jsonBlock(a['escalation_context'], 'request context')),
    may
      ? h('div', { class: 'resolve' }, h('label', { attrs: { for: `reason-${id}` } }, 'Reason'), reason, h('div', { class: 'actions' }, buttons))
      : h('p', { class: 'muted' }, 'Resolving needs an approver token for this tenant (or the admin token); a tenant cannot approve its own requests.'),
    result,
  );
}

export const approvalsScreen: Screen = {
  id: 'approvals',
  title: 'Approvals',
  visible: () => true,
  async render(app, root, _params, signal) {
    const queue = h('div', { class: 'queue', attrs: { 'data-queue': '' } });
    const resolved = h('div');
    const refresh = h('button', { attrs: { type: 'button' }, on: { click: () => void load() } }, 'Refresh');
    root.append(h('div', { class: 'toolbar' }, refresh), h('h2', null, 'Pending'), queue, h('h2', null, 'Resolved'), resolved);
    let shown: string | null = null;

    async function load(): Promise<void> {
      const [pending, done] = await Promise.all([app.client.approvals.pending({ limit: 100 }), app.client.resolvedApprovals({ limit: 50 })]);
      if (signal.aborted) return;
      const ids = pending.map((a) => a.approval_id).join(',');
      const busy = [...queue.querySelectorAll('textarea')].some((t) => t.value !== '' || t === document.activeElement);
      if (ids !== shown && !busy) {
        shown = ids;
        fill(queue, pending.length ? pending.map((a) => card(app, a, () => void load())) : h('p', { class: 'muted' }, 'Nothing waits for a human.'));
      }
      fill(
        resolved,
        done.length
          ? h(
              'table',
              { attrs: { 'aria-label': 'Resolved approvals, newest first', 'data-resolved': '' } },
              h('thead', null, h('tr', null, ['Approval', 'Tenant', 'Capability', 'Status', 'By', 'When', 'Reason', 'Used by decision'].map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
              h(
                'tbody',
                null,
                done.map((a) =>
                  h(
                    'tr',
                    { attrs: { 'data-approval-id': a.approval_id } },
                    h('td', null, h('code', null, short(a.approval_id))),
                    h('td', null, text(a['tenant_id'])),
                    h('td', null, h('code', null, text(a['capability_id']))),
                    h('td', null, h('span', { class: `badge ${a['status'] === 'denied' ? 'denied' : 'allowed'}` }, text(a['status']))),
                    h('td', null, text(a['resolved_by'])),
                    h('td', null, when(a['resolved_at'])),
                    h('td', null, text(a['resolution_note'])),
                    h('td', null, h('code', null, short(a['used_by_decision_id']))),
                  ),
                ),
              ),
            )
          : h('p', { class: 'muted' }, 'No approval has been resolved yet.'),
      );
    }

    await load();
    const tick = setInterval(() => {
      for (const el of queue.querySelectorAll<HTMLElement>('[data-expires]')) fill(el, countdown(el.dataset['expires']));
    }, 1000);
    const timer = setInterval(() => void load().catch((err) => fill(resolved, notice('error', problem(err)))), REFRESH_MS);
    signal.addEventListener('abort', () => (clearInterval(tick), clearInterval(timer)));
  },
};
