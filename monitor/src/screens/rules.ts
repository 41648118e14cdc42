// Rules (admin token): the rules version in force, its lint report as the Hall gives it an upload
// (with the WCP taxonomy), every version the signed admin log recorded, and any of them to read.
import type { App, Screen } from '../app.js';
import { facts, fill, h, jsonBlock, notice } from '../dom.js';
import { problem, text, when } from '../format.js';

interface LintIssue {
  severity: string;
  code: string;
  path: (string | number)[];
  message: string;
}

function lintReport(lint: { ok?: boolean; issues?: LintIssue[] } | null | undefined): HTMLElement {
  if (!lint) return h('p', { class: 'muted' }, 'No lint report (the document is missing or unreadable).');
  const issues = lint.issues ?? [];
  return h(
    'div',
    { attrs: { 'data-lint': lint.ok ? (issues.length ? 'warnings' : 'clean') : 'errors' } },
    lint.ok ? notice(issues.length ? 'info' : 'ok', issues.length ? `Accepted, with ${issues.length} warning${issues.length === 1 ? '' : 's'}.` : 'Lint clean: no errors, no warnings.') : notice('error', `${issues.filter((i) => i.severity === 'error').length} errors: the Hall would refuse this document.`),
    issues.length
      ? h(
          'table',
          { attrs: { 'aria-label': 'Lint issues' } },
          h('thead', null, h('tr', null, ['Severity', 'Code', 'Where', 'What'].map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
          h('tbody', null, issues.slice(0, 200).map((i) => h('tr', null, h('td', null, i.severity), h('td', null, h('code', null, i.code)), h('td', null, h('code', null, i.path.join('.') || '(root)')), h('td', null, i.message)))),
        )
      : null,
  );
}

async function showVersion(app: App, panel: HTMLElement, version: string): Promise<void> {
  fill(panel, h('p', { class: 'muted' }, `Loading ${version}…`));
  const v = await app.client.rulesVersion(version);
  fill(
    panel,
    h('h2', { attrs: { tabindex: -1, id: 'version-title' } }, 'Rules version ', h('code', null, version), v['current'] ? ' (in force)' : ''),
    lintReport(v['lint'] as never),
    jsonBlock(v['document'], `rules document ${version}`),
  );
  (panel.querySelector('#version-title') as HTMLElement | null)?.focus();
}

export const rulesScreen: Screen = {
  id: 'rules',
  title: 'Rules',
  visible: (who) => who.may.admin,
  async render(app, root) {
    const data = await app.client.rulesVersions({ limit: 100 });
    const current = data['current'] as Record<string, unknown> | null;
    const history = (data['history'] as Record<string, unknown>[]) ?? [];
    const unlogged = (data['unlogged'] as string[]) ?? [];
    const panel = h('section', { class: 'card', attrs: { 'aria-label': 'Rules version', 'data-version-panel': '' } });
    const view = (v: string) => h('button', { class: 'quiet', attrs: { type: 'button', 'data-version': v }, on: { click: () => void showVersion(app, panel, v).catch((err) => fill(panel, notice('error', problem(err)))) } }, 'View');
    root.append(
      current
        ? h(
            'article',
            { class: 'card', attrs: { 'data-card': 'current-rules' } },
            h('h2', null, 'In force'),
            facts([
              ['Version', h('code', { attrs: { 'data-value': 'current-version' } }, text(current['version']))],
              ['Rules', text(current['rules'])],
              ['Stored', when(current['stored_at'])],
              ['Source', text(current['source'])],
              ['Previous', text(current['previous'])],
            ]),
            h('h3', null, 'Lint report'),
            lintReport(current['lint'] as never),
          )
        : notice('error', 'No rules document is in force: every request is denied (DENY_RULES_UNAVAILABLE). Upload one with PUT /admin/rules.'),
      h('h2', null, 'Versions'),
      h(
        'table',
        { attrs: { 'aria-label': 'Rules versions, newest first' } },
        h('thead', null, h('tr', null, ['Version', 'Uploaded', 'By', 'Admin log', ''].map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
        h(
          'tbody',
          null,
          history.map((v) =>
            h(
              'tr',
              null,
              h('td', null, h('code', null, text(v['version'])), v['current'] ? ' (in force)' : ''),
              h('td', null, when(v['at'])),
              h('td', null, text(v['actor'])),
              h('td', null, `#${text(v['admin_log_seq'])}`),
              h('td', null, view(String(v['version']))),
            ),
          ),
          unlogged.map((v) => h('tr', null, h('td', null, h('code', null, v), current?.['version'] === v ? ' (in force)' : ''), h('td', { attrs: { colspan: 3 } }, h('span', { class: 'muted' }, 'stored without an admin-log entry (loaded by the seed)')), h('td', null, view(v)))),
        ),
      ),
      panel,
    );
  },
};
