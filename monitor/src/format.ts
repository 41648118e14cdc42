// Small text formatting helpers (dates in the user's locale, countdowns, short ids, errors).

export function when(iso: unknown): string {
  if (typeof iso !== 'string') return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function clock(iso: unknown): string {
  if (typeof iso !== 'string') return '—';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** "12m 05s left" until `iso`, or "expired". */
export function countdown(iso: unknown, now = Date.now()): string {
  if (typeof iso !== 'string') return '—';
  const left = Math.floor((Date.parse(iso) - now) / 1000);
  if (!(left > 0)) return 'expired';
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  return `${h ? `${h}h ` : ''}${h || m ? `${String(m).padStart(h ? 2 : 1, '0')}m ` : ''}${String(s).padStart(2, '0')}s left`;
}

export const short = (id: unknown, n = 8): string => (typeof id === 'string' ? (id.length > n + 1 ? `${id.slice(0, n)}…` : id) : '—');

export const text = (v: unknown): string => (v === null || v === undefined || v === '' ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** A HallApiError / HallReceiptError as "CODE: what to do", anything else as its message. */
export function problem(err: unknown): string {
  const e = err as { code?: unknown; detail?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : null;
  const detail = typeof e?.detail === 'string' ? e.detail : typeof e?.message === 'string' ? e.message : String(err);
  return code ? `${code}: ${detail}` : detail;
}

export const isAuthFailure = (err: unknown): boolean => (err as { status?: unknown })?.status === 401;

/** A datetime-local value (local time) as ISO 8601 UTC, or undefined. */
export function localToIso(v: string): string | undefined {
  if (!v) return undefined;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** ISO 8601 as a datetime-local value (local time, minutes). */
export function isoToLocal(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
