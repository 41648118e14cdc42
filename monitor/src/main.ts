// The Hall Monitor: sign-in, the navigation, and a hash router over the screens. Each screen is
// drawn fresh when it is opened and stops its timers when it is left (an AbortSignal).
import type { HallClient, HallLogClient, HallWhoami } from '/sdk/client.js';
import type { App, Screen } from './app.js';
import { fill, h, notice } from './dom.js';
import { isAuthFailure, problem } from './format.js';
import { forgetToken, hallClient, hallLogClient, saveToken, storedToken } from './session.js';
import { approvalsScreen } from './screens/approvals.js';
import { crewScreen } from './screens/crew.js';
import { denialsScreen } from './screens/denials.js';
import { evidenceScreen } from './screens/evidence.js';
import { feedScreen } from './screens/feed.js';
import { rulesScreen } from './screens/rules.js';
import { statusScreen } from './screens/status.js';

const SCREENS: Screen[] = [statusScreen, feedScreen, denialsScreen, approvalsScreen, crewScreen, evidenceScreen, rulesScreen];

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const whoBox = document.getElementById('who')!;

const KIND_LABEL = { admin: 'admin', tenant: 'tenant', approver: 'approver' } as const;

function describe(who: HallWhoami): string {
  if (who.kind === 'admin') return 'admin (every tenant)';
  if (who.kind === 'tenant') return `tenant ${who.id}`;
  return `approver ${who.id} (${who.supervisor_level ?? 'gatekeeper'}; tenants ${who.tenants.join(', ') || 'none'})`;
}

function signIn(message?: string): void {
  document.body.dataset['signedIn'] = 'false';
  fill(nav);
  fill(whoBox);
  const input = h('input', { id: 'token', attrs: { type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'token-help' } });
  const status = h('div', { attrs: { 'aria-live': 'polite' } });
  const form = h(
    'form',
    {
      class: 'signin card',
      attrs: { 'aria-labelledby': 'signin-title' },
      on: {
        submit: (e) => {
          e.preventDefault();
          void start(input.value.trim(), status);
        },
      },
    },
    h('h1', { id: 'signin-title' }, 'Sign in to this Hall'),
    h('label', { attrs: { for: 'token' } }, 'Token (tenant, approver or admin)'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'muted' },
      'Paste a bearer token. It stays in this tab (sessionStorage) and is sent only to this Hall, as an Authorization header — never as a cookie. `npm start` writes HALL_DEMO_TENANT_TOKEN, HALL_DEMO_APPROVER_TOKEN and HALL_ADMIN_TOKEN to .dev.vars.',
    ),
    h('button', { attrs: { type: 'submit' } }, 'Sign in'),
    status,
  );
  fill(main, form);
  if (message) status.append(notice('error', message));
  input.focus();
}

async function start(token: string, status?: HTMLElement): Promise<void> {
  if (!token) return;
  let client: HallClient;
  let who: HallWhoami;
  try {
    client = hallClient(token);
    who = await client.whoami();
  } catch (err) {
    forgetToken();
    const why = isAuthFailure(err) ? 'This token is not valid for this Hall. Check it, or ask the Hall operator for one.' : problem(err);
    if (status) fill(status, notice('error', why));
    else signIn(why);
    return;
  }
  saveToken(token);
  shell(client, hallLogClient(token), who);
}

let leave: AbortController | null = null;

function shell(client: HallClient, log: HallLogClient, who: HallWhoami): void {
  document.body.dataset['signedIn'] = 'true';
  document.body.dataset['kind'] = who.kind;
  const visible = SCREENS.filter((s) => s.visible(who));
  const links = new Map(visible.map((s) => [s.id, h('a', { attrs: { href: `#/${s.id}`, 'data-screen': s.id } }, s.title)]));
  fill(nav, h('ul', null, [...links.values()].map((a) => h('li', null, a))));
  const app: App = {
    client,
    log,
    who,
    go: (hash) => {
      if (location.hash === hash) void show();
      else location.hash = hash;
    },
    signOut: (message) => {
      leave?.abort();
      forgetToken();
      window.removeEventListener('hashchange', onHash);
      signIn(message);
    },
  };
  fill(
    whoBox,
    h('span', { class: `badge kind-${KIND_LABEL[who.kind]}`, attrs: { 'data-who': who.kind } }, describe(who)),
    ' ',
    h('button', { class: 'quiet', attrs: { type: 'button' }, on: { click: () => app.signOut() } }, 'Sign out'),
  );

  async function show(): Promise<void> {
    const [path = '', query = ''] = location.hash.replace(/^#\/?/, '').split('?');
    const screen = visible.find((s) => s.id === path) ?? visible[0]!;
    leave?.abort();
    leave = new AbortController();
    const signal = leave.signal;
    for (const [id, a] of links) {
      if (id === screen.id) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    document.title = `${screen.title} · Hall Monitor`;
    const root = h('section', { class: `screen screen-${screen.id}`, attrs: { 'aria-labelledby': `h-${screen.id}`, 'data-screen': screen.id } }, h('h1', { id: `h-${screen.id}` }, screen.title));
    fill(main, root);
    try {
      await screen.render(app, root, new URLSearchParams(query), signal);
    } catch (err) {
      if (signal.aborted) return;
      if (isAuthFailure(err)) return app.signOut('The Hall no longer accepts this token (revoked or rotated). Sign in again.');
      root.append(notice('error', problem(err)));
    }
  }
  const onHash = () => void show();
  window.addEventListener('hashchange', onHash);
  void show();
}

const saved = storedToken();
if (saved) void start(saved);
else signIn();
