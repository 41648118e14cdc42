// Evidence: a tenant's receipt chain verified here, in the browser, with the Hall's own build of
// edgehall/verify (GET /sdk/verify.js) against its published keys — not taken on the server's word:
// every signature and hash, seq without gaps, every prev_receipt_hash link. The page remembers the
// head it last verified (localStorage, this browser) and flags a chain that has since shrunk or
// whose remembered receipt was rewritten. The chain exports as JSON Lines, one receipt a line.
import type { HallReceipt } from '/sdk/client.js';
import type { App, Screen } from '../app.js';
import { facts, fill, h, notice } from '../dom.js';
import { problem, short, text, when } from '../format.js';
import { checkLog, fetchCheckpoint, forgetCheckpoint, type LogCheck } from '../log-check.js';

/** The most receipts the page holds (and exports); a longer chain is verified up to here. */
export const MAX_RECEIPTS = 50_000;
const PAGE = 1000;
const SEEN_PREFIX = 'edgehall.monitor.seen.';

interface Seen {
  seq: number;
  receipt_hash: string;
  at: string;
}

function readSeen(tenant: string): Seen | null {
  try {
    const v = JSON.parse(localStorage.getItem(SEEN_PREFIX + tenant) ?? 'null') as Seen | null;
    return v && typeof v.seq === 'number' && typeof v.receipt_hash === 'string' ? v : null;
  } catch {
    return null;
  }
}

function tenantPicker(app: App, current: string): HTMLElement {
  const go = (t: string) => app.go(`#/evidence?tenant_id=${encodeURIComponent(t)}`);
  if (app.who.kind === 'tenant') return h('p', null, 'Tenant ', h('code', null, app.who.id));
  const readable = app.who.tenants.filter((t) => t !== '*');
  const input =
    readable.length && !app.who.tenants.includes('*')
      ? h('select', { attrs: { name: 'tenant_id' } }, readable.map((t) => h('option', { attrs: { value: t, selected: t === current } }, t)))
      : h('input', { attrs: { name: 'tenant_id', value: current, placeholder: 'tenant id', autocomplete: 'off', required: true } });
  return h(
    'form',
    { class: 'filters', on: { submit: (e) => (e.preventDefault(), go(input.value.trim())) } },
    h('label', { class: 'field' }, h('span', null, 'Tenant'), input),
    h('div', { class: 'actions' }, h('button', { attrs: { type: 'submit' } }, 'Verify this tenant')),
  );
}

export const evidenceScreen: Screen = {
  id: 'evidence',
  title: 'Evidence',
  visible: () => true,
  async render(app, root, params, signal) {
    const readable = app.who.tenants.filter((t) => t !== '*');
    const tenant = app.who.kind === 'tenant' ? app.who.id : (params.get('tenant_id') ?? (app.who.tenants.includes('*') ? '' : (readable[0] ?? '')));
    root.append(tenantPicker(app, tenant));
    if (!tenant) {
      root.append(h('p', { class: 'muted' }, 'Name a tenant to verify its receipt chain.'));
      return;
    }
    const verdictBox = h('div', { attrs: { 'aria-live': 'polite', 'data-verdict': 'running' } }, h('p', { class: 'muted' }, 'Fetching the chain and the Hall’s keys…'));
    const memoryBox = h('div');
    const logBox = h('div', { attrs: { 'data-log': 'running' } }, h('p', { class: 'muted' }, 'Checking the signed checkpoint…'));
    const actions = h('div', { class: 'toolbar' });
    const recent = h('div');
    root.append(verdictBox, memoryBox, h('h2', null, 'Transparency log'), logBox, actions, recent);

    // The verifier is the Hall's own edgehall/verify, loaded where it is used.
    // The checkpoint is read before the chain, so the chain covers at least the tree it signs.
    const [verify, jwks, note] = await Promise.all([import('/sdk/verify.js'), app.client.publicKeys(), fetchCheckpoint(app.log, tenant)]);
    const receipts: HallReceipt[] = [];
    let verified = 0;
    let head: string | null = null;
    let broken: { seq: number; code: string; message: string } | null = null;
    let segment: HallReceipt[] = [];
    const check = async () => {
      if (!segment.length || broken) return;
      const first = Number(segment[0]!['seq']);
      const v = await verify.verifyChain(segment, jwks, { expectFirstSeq: verified + 1, expectPrevHash: verified === 0 ? null : head, tenantId: tenant });
      if (v.ok) {
        verified += v.verified;
        head = v.head_hash ?? head;
      } else {
        verified += v.verified;
        broken = { seq: v.broken_at_seq ?? first, code: v.code ?? 'RECEIPT_INVALID', message: v.message ?? 'does not verify' };
      }
      segment = [];
      fill(verdictBox, h('p', { class: 'muted' }, `Verifying… seq 1..${verified} so far.`));
    };
    for await (const r of app.client.receiptChain(tenant, { page_size: PAGE, max: MAX_RECEIPTS })) {
      if (signal.aborted) return;
      receipts.push(r);
      segment.push(r);
      if (segment.length === PAGE) await check();
    }
    await check();
    if (signal.aborted) return;

    const b = broken as { seq: number; code: string; message: string } | null;
    const kids = [...new Set(receipts.map((r) => String(r['signing_key_id'])))];
    if (!receipts.length) {
      verdictBox.dataset['verdict'] = 'empty';
      fill(verdictBox, h('p', null, `Tenant ${tenant} has no receipts yet.`));
    } else if (b) {
      verdictBox.dataset['verdict'] = `broken:${b.seq}:${b.code}`;
      fill(
        verdictBox,
        notice('error', h('strong', null, `Broken at seq ${b.seq}`), `: ${b.code} — ${b.message}`),
        h('p', null, verified ? `seq 1..${verified} verified before it.` : 'Nothing before it verified.'),
      );
    } else {
      verdictBox.dataset['verdict'] = `verified:${verified}`;
      fill(
        verdictBox,
        notice('ok', h('strong', null, `verified seq 1..${verified}`), ` — ${verified} receipts of ${tenant}, checked in this page with edgehall/verify against /.well-known/wcp-keys.json (signed by ${kids.join(', ')}).`),
        receipts.length >= MAX_RECEIPTS ? h('p', { class: 'muted' }, `The page holds at most ${MAX_RECEIPTS} receipts; verify the rest with \`edgehall receipts verify --tenant ${tenant}\`.`) : null,
      );
    }

    // What this browser saw last time: the chain must still extend it.
    const seen = readSeen(tenant);
    if (seen) {
      const then = receipts[seen.seq - 1];
      const shrunk = receipts.length < seen.seq && receipts.length < MAX_RECEIPTS;
      const rewritten = then !== undefined && then['receipt_hash'] !== seen.receipt_hash;
      memoryBox.dataset['memory'] = shrunk ? 'shrunk' : rewritten ? 'rewritten' : 'extends';
      fill(
        memoryBox,
        shrunk
          ? notice('error', h('strong', null, 'The log shrank'), `: this browser verified seq 1..${seen.seq} on ${when(seen.at)}, and the Hall now serves ${receipts.length}. Receipts were removed.`)
          : rewritten
            ? notice('error', h('strong', null, 'The log was rewritten'), `: seq ${seen.seq} had hash ${short(seen.receipt_hash, 16)} when this browser verified it on ${when(seen.at)}; it is now ${short(then['receipt_hash'], 16)}.`)
            : h('p', { class: 'muted' }, b ? `Seq ${seen.seq} still has the hash this browser verified on ${when(seen.at)}.` : `Consistent with what this browser verified on ${when(seen.at)} (seq 1..${seen.seq}).`),
      );
    }
    if (!b && receipts.length && !(seen && (memoryBox.dataset['memory'] !== 'extends'))) {
      const last = receipts[receipts.length - 1]!;
      localStorage.setItem(SEEN_PREFIX + tenant, JSON.stringify({ seq: Number(last['seq']), receipt_hash: String(last['receipt_hash']), at: new Date().toISOString() } satisfies Seen));
    }

    let logged: LogCheck;
    try {
      logged = await checkLog(verify, app.log, tenant, note, jwks, receipts);
    } catch (err) {
      logged = { state: 'unavailable', message: `The log could not be checked: ${problem(err)}` };
    }
    if (signal.aborted) return;
    logBox.dataset['log'] = logged.state;
    const bad = logged.state === 'shrunk' || logged.state === 'rewritten' || logged.state === 'invalid';
    fill(logBox, bad ? notice('error', h('strong', null, logged.state === 'invalid' ? 'Checkpoint refused' : `The log ${logged.state === 'shrunk' ? 'shrank' : 'was rewritten'}`), ` — ${logged.message}`) : logged.state === 'unavailable' ? h('p', { class: 'muted' }, logged.message) : notice('ok', logged.message));

    const exportJsonl = h(
      'button',
      {
        attrs: { type: 'button', disabled: !receipts.length },
        on: {
          click: () => {
            const blob = new Blob(receipts.map((r) => JSON.stringify(r) + '\n'), { type: 'application/jsonl' });
            const a = h('a', { attrs: { href: URL.createObjectURL(blob), download: `receipts-${tenant}.jsonl` } });
            document.body.append(a);
            a.click();
            a.remove();
            setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
          },
        },
      },
      'Export the chain (JSON Lines)',
    );
    const forget = h('button', { class: 'quiet', attrs: { type: 'button' }, on: { click: () => (localStorage.removeItem(SEEN_PREFIX + tenant), forgetCheckpoint(tenant), app.go(`#/evidence?tenant_id=${encodeURIComponent(tenant)}&t=${Date.now()}`)) } }, 'Forget what this browser saw');
    const again = h('button', { class: 'quiet', attrs: { type: 'button' }, on: { click: () => app.go(`#/evidence?tenant_id=${encodeURIComponent(tenant)}&t=${Date.now()}`) } }, 'Verify again');
    fill(actions, exportJsonl, again, forget);

    // The newest receipts, and the broken one in context.
    const around = b ? receipts.slice(Math.max(0, b.seq - 4), b.seq + 3) : receipts.slice(-15).reverse();
    fill(
      recent,
      h('h2', null, b ? 'Around the first bad receipt' : 'Newest receipts'),
      h(
        'table',
        { attrs: { 'aria-label': 'Receipts' } },
        h('thead', null, h('tr', null, ['Seq', 'At', 'Decision', 'Capability', 'Worker', 'Receipt hash'].map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
        h(
          'tbody',
          null,
          around.map((r) =>
            h(
              'tr',
              { class: b && Number(r['seq']) === b.seq ? 'is-denied' : '', attrs: { 'data-seq': text(r['seq']) } },
              h('td', null, `#${text(r['seq'])}`),
              h('td', null, when(r['dispatched_at'])),
              h('td', null, text(r['policy_decision']), r['deny_code'] ? ` ${text(r['deny_code'])}` : ''),
              h('td', null, h('code', null, text(r['capability_id']))),
              h('td', null, text(r['worker_species_id'])),
              h('td', null, h('code', null, short(r['receipt_hash'], 16))),
            ),
          ),
        ),
      ),
      facts([['Signing keys', kids.join(', ') || '—']]),
    );
  },
};

