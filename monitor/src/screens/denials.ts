// Denials: denied decisions by deny code over time (GET /wcp/stats/denials), drawn as a stacked
// SVG bar chart — a few dozen lines of SVG earn their bytes better than a charting library. Every
// code links to the live feed filtered by it; the table under the chart carries the same numbers
// for screen readers and keyboard users.
import type { Screen } from '../app.js';
import { fill, h, svg } from '../dom.js';
import { text } from '../format.js';

interface CodeSeries {
  deny_code: string;
  total: number;
  counts: number[];
}

const RANGES = {
  '24h': { label: 'last 24 hours, by hour', bucket: 'hour', ms: 24 * 3_600_000 },
  '7d': { label: 'last 7 days, by hour', bucket: 'hour', ms: 7 * 24 * 3_600_000 },
  '30d': { label: 'last 30 days, by day', bucket: 'day', ms: 30 * 24 * 3_600_000 },
} as const;
type RangeKey = keyof typeof RANGES;

/** Colour slots (classes in app.css); codes past the palette share the last one. */
const PALETTE = 8;

function feedLink(code: string, since: string, tenant: string | null): string {
  const q = new URLSearchParams({ denied: 'true', deny_code: code, since });
  if (tenant) q.set('tenant_id', tenant);
  return `#/feed?${q}`;
}

function chart(buckets: string[], codes: CodeSeries[], bucket: 'hour' | 'day'): SVGElement {
  const W = 900;
  const H = 260;
  const pad = { l: 40, r: 10, t: 10, b: 30 };
  const totals = buckets.map((_, i) => codes.reduce((s, c) => s + (c.counts[i] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const bw = (W - pad.l - pad.r) / Math.max(1, buckets.length);
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const parts: SVGElement[] = [];
  for (const t of [0, Math.ceil(max / 2), max]) {
    parts.push(svg('line', { x1: pad.l, x2: W - pad.r, y1: y(t), y2: y(t), class: 'grid-line' }), svg('text', { x: pad.l - 6, y: y(t) + 4, 'text-anchor': 'end', class: 'axis' }, String(t)));
  }
  buckets.forEach((b, i) => {
    let base = 0;
    codes.forEach((c, ci) => {
      const v = c.counts[i] ?? 0;
      if (!v) return;
      const top = y(base + v);
      parts.push(
        svg('rect', { x: pad.l + i * bw + 1, y: top, width: Math.max(1, bw - 2), height: y(base) - top, class: `bar c${Math.min(ci, PALETTE - 1)}`, 'data-code': c.deny_code }, svg('title', {}, `${c.deny_code}: ${v} (${new Date(b).toLocaleString()})`)),
      );
      base += v;
    });
    const every = Math.max(1, Math.ceil(buckets.length / 8));
    if (i % every === 0) {
      const d = new Date(b);
      const label = bucket === 'hour' ? `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${String(d.getHours()).padStart(2, '0')}h` : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
      const x = Math.min(W - pad.r, Math.max(pad.l, pad.l + i * bw + bw / 2));
      parts.push(svg('text', { x, y: H - 10, 'text-anchor': x > W - 60 ? 'end' : x < pad.l + 30 ? 'start' : 'middle', class: 'axis' }, label));
    }
  });
  return svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': `Denied decisions by deny code, ${buckets.length} ${bucket} buckets` }, parts);
}

export const denialsScreen: Screen = {
  id: 'denials',
  title: 'Denials',
  visible: () => true,
  async render(app, root, params) {
    const range = (params.get('range') as RangeKey | null) ?? '24h';
    const r = RANGES[range] ?? RANGES['24h'];
    const tenant = params.get('tenant_id');
    const picker = h(
      'div',
      { class: 'toolbar', attrs: { role: 'group', 'aria-label': 'Time range' } },
      (Object.keys(RANGES) as RangeKey[]).map((k) =>
        h('a', { class: `button${k === range ? '' : ' quiet'}`, attrs: { href: `#/denials?range=${k}${tenant ? `&tenant_id=${encodeURIComponent(tenant)}` : ''}`, 'aria-current': k === range ? 'true' : undefined } }, RANGES[k].label),
      ),
    );
    const body = h('div', null, h('p', { class: 'muted' }, 'Counting denials…'));
    root.append(picker, body);
    const since = new Date(Date.now() - r.ms).toISOString();
    const data = await app.client.denials({ since, bucket: r.bucket, ...(tenant ? { tenant_id: tenant } : {}) });
    const buckets = (data['buckets'] as string[]) ?? [];
    const codes = (data['codes'] as CodeSeries[]) ?? [];
    const total = codes.reduce((s, c) => s + c.total, 0);
    if (!codes.length) {
      fill(body, h('p', { class: 'muted', attrs: { 'data-denials': '0' } }, `No denied decisions in the ${r.label.replace(/,.*/, '')}.`));
      return;
    }
    fill(
      body,
      h('p', { attrs: { 'data-denials': total } }, `${total} denied decisions in the ${r.label}${data['capped'] ? ' (counting stopped at the limit)' : ''}, tenants ${text((data['tenants'] as string[]).join(', '))}.`),
      chart(buckets, codes, r.bucket),
      h(
        'table',
        { class: 'codes', attrs: { 'aria-label': 'Denials by deny code' } },
        h('thead', null, h('tr', null, h('th', { attrs: { scope: 'col' } }, 'Deny code'), h('th', { attrs: { scope: 'col' } }, 'Denials'), h('th', { attrs: { scope: 'col' } }, ''))),
        h(
          'tbody',
          null,
          codes.map((c, i) =>
            h(
              'tr',
              null,
              h('td', null, h('span', { class: `swatch c${Math.min(i, PALETTE - 1)}`, attrs: { 'aria-hidden': 'true' } }), ' ', h('code', null, c.deny_code)),
              h('td', null, String(c.total)),
              h('td', null, h('a', { attrs: { href: feedLink(c.deny_code, since, tenant), 'data-code': c.deny_code } }, `Show these ${c.total} in the feed`)),
            ),
          ),
        ),
      ),
    );
  },
};

