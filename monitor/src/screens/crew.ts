// Crew: the enrolled workers as the Hall holds them (GET /wcp/crew) — compliance level and why not
// the next one, attested package hash, ban status, the last decision that selected each — and, for
// tenant and admin tokens, enrollment by dropping a registry_record.json. The page shows the
// artifact-hash check before anything is sent: the SDK (enrollmentArtifactHash, pyhall's rule)
// computes the hash of the record as dropped and compares it with the one the file declares.
import { enrollmentArtifactHash } from '/sdk/client.js';
import type { App, Screen } from '../app.js';
import { facts, fill, h, jsonBlock, notice } from '../dom.js';
import { problem, short, text, when } from '../format.js';

const MAX_RECORD_BYTES = 256 * 1024;
const LEVELS = ['WCP-Basic', 'WCP-Standard', 'WCP-Full'] as const;

interface Compliance {
  level: (typeof LEVELS)[number] | null;
  levels: Record<(typeof LEVELS)[number], { ok: boolean; reasons: string[] }>;
}

function complianceCell(c: Compliance): HTMLElement {
  const next = LEVELS.find((l) => !c.levels[l]?.ok);
  const level = c.level ? c.level.replace('WCP-', '') : 'none';
  return h(
    'div',
    null,
    h('span', { class: `badge level-${level.toLowerCase()}` }, level),
    next
      ? h('details', null, h('summary', null, `why not ${next.replace('WCP-', '')}`), h('ul', null, c.levels[next].reasons.map((r) => h('li', null, r))))
      : h('span', { class: 'muted' }, ' every level met'),
  );
}

function enrollPanel(app: App, reload: () => void): HTMLElement {
  const result = h('div', { attrs: { 'aria-live': 'polite', 'data-enroll-result': '' } });
  const check = h('div', { attrs: { 'data-hash-check': '' } });
  let record: Record<string, unknown> | null = null;
  const send = h('button', { attrs: { type: 'button', disabled: true }, on: { click: () => void enroll() } }, 'Enroll this worker');
  const file = h('input', { id: 'record-file', attrs: { type: 'file', accept: '.json,application/json' }, on: { change: () => file.files?.[0] && void read(file.files[0]) } });
  const zone = h(
    'div',
    {
      class: 'dropzone',
      attrs: { 'data-dropzone': '' },
      on: {
        dragover: (e) => (e.preventDefault(), zone.classList.add('over')),
        dragleave: () => zone.classList.remove('over'),
        drop: (e) => {
          e.preventDefault();
          zone.classList.remove('over');
          const f = e.dataTransfer?.files[0];
          if (f) void read(f);
        },
      },
    },
    h('p', null, 'Drop a registry_record.json here, or choose it:'),
    h('label', { attrs: { for: 'record-file' } }, 'Registry record '),
    file,
  );

  async function read(f: File): Promise<void> {
    record = null;
    send.disabled = true;
    fill(result);
    if (f.size > MAX_RECORD_BYTES) return fill(check, notice('error', `${f.name} is ${f.size} bytes; a registry record is at most ${MAX_RECORD_BYTES / 1024} KB.`));
    let parsed: unknown;
    try {
      parsed = JSON.parse(await f.text());
    } catch {
      return fill(check, notice('error', `${f.name} is not JSON. A registry record is one JSON object (edgehall scaffold writes one).`));
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return fill(check, notice('error', `${f.name} is not a JSON object.`));
    const r = parsed as Record<string, unknown>;
    const computed = enrollmentArtifactHash(r);
    const declared = r['artifact_hash'];
    const pairs: [string, string | HTMLElement][] = [
      ['File', f.name],
      ['Worker', `${text(r['worker_id'])} (${text(r['worker_species_id'])})`],
      ['Declared artifact_hash', h('code', null, text(declared))],
      ['Computed here', h('code', { attrs: { 'data-computed-hash': computed } }, computed)],
    ];
    if (declared !== undefined && declared !== computed) {
      fill(
        check,
        facts(pairs),
        notice('error', 'Mismatch: the record was changed after its artifact_hash was computed, so it is not enrolled. Recompute it (edgehall scaffold, or remove artifact_hash and let the SDK add it) and drop it again.'),
      );
      check.dataset['hashCheck'] = 'mismatch';
      return;
    }
    fill(check, facts(pairs), notice('ok', declared === undefined ? 'No artifact_hash declared: the computed one is sent, and the Hall checks it again.' : 'Match: the declared artifact_hash is the hash of this record. The Hall checks it again on enrollment.'));
    check.dataset['hashCheck'] = declared === undefined ? 'computed' : 'match';
    record = r;
    send.disabled = false;
  }

  async function enroll(): Promise<void> {
    if (!record) return;
    send.disabled = true;
    try {
      const out = await app.client.enroll(record as Parameters<typeof app.client.enroll>[0]);
      fill(result, notice('ok', `Enrolled ${text(out.worker_id)} (${text(out.enrollment_id)}); the Hall verified artifact_hash: ${out.artifact_hash_verified ? 'yes' : 'no'}.`));
      reload();
    } catch (err) {
      fill(result, notice('error', problem(err)));
      send.disabled = false;
    }
  }

  return h('section', { class: 'card enroll', attrs: { 'aria-labelledby': 'enroll-title' } }, h('h2', { id: 'enroll-title' }, 'Enroll a worker'), zone, check, send, result);
}

export const crewScreen: Screen = {
  id: 'crew',
  title: 'Crew',
  visible: () => true,
  async render(app, root) {
    const list = h('div');
    const load = async () => {
      const data = await app.client.crew({ limit: 200 });
      const workers = (data['workers'] as Record<string, unknown>[]) ?? [];
      const problems = (data['registry_problems'] as { worker_id?: unknown; problem?: unknown }[]) ?? [];
      fill(
        list,
        h('p', null, `${text(data['total'])} workers on the books${data['next_cursor'] ? ' (first 200 shown)' : ''}.`),
        problems.length ? notice('error', `Left out of routing: ${problems.map((p) => `${text(p.worker_id)} (${text(p.problem)})`).join('; ')}`) : null,
        h(
          'table',
          { class: 'crew', attrs: { 'aria-label': 'Enrolled workers' } },
          h('thead', null, h('tr', null, ['Worker', 'Name', 'Compliance', 'Attested package hash', 'Ban', 'Last decision', 'Record'].map((c) => h('th', { attrs: { scope: 'col' } }, c)))),
          h(
            'tbody',
            null,
            workers.map((w) => {
              const record = (w['record'] ?? {}) as Record<string, unknown>;
              const last = w['last_decision'] as { denied?: boolean; deny_code?: unknown; created_at?: unknown; decision_id?: unknown; tenant_id?: unknown } | null;
              return h(
                'tr',
                { attrs: { 'data-worker-id': text(w['worker_id']) } },
                h('td', null, h('code', null, text(w['worker_id'])), h('br'), h('span', { class: 'muted' }, text(w['worker_species_id'])), h('br'), h('span', { class: 'muted' }, text(w['namespace']))),
                h('td', { attrs: { 'data-field': 'name' } }, text(record['name'] ?? record['description'])),
                h('td', null, complianceCell(w['compliance'] as Compliance)),
                h('td', null, w['attested_package_hash'] ? h('code', { class: 'hash' }, text(w['attested_package_hash'])) : h('span', { class: 'muted' }, 'none registered')),
                h('td', null, w['banned'] ? h('span', { class: 'badge denied' }, 'banned') : 'not banned'),
                h(
                  'td',
                  null,
                  last
                    ? [h('span', { class: `badge ${last.denied ? 'denied' : 'allowed'}` }, last.denied ? `denied ${text(last.deny_code)}` : 'allowed'), h('br'), when(last.created_at), h('br'), h('span', { class: 'muted' }, `${text(last.tenant_id)} · ${short(last.decision_id)}`)]
                    : h('span', { class: 'muted' }, 'none yet'),
                ),
                h('td', null, h('details', null, h('summary', null, 'record'), jsonBlock(record, `record of ${text(w['worker_id'])}`))),
              );
            }),
          ),
        ),
      );
    };
    if (app.who.may.enroll) root.append(enrollPanel(app, () => void load().catch((err) => fill(list, notice('error', problem(err))))));
    root.append(list);
    await load();
  },
};

