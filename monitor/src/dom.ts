// Building the page without HTML strings: every element is created with createElement and every
// value becomes a Text node, so nothing the Hall sends is ever parsed as markup. (The page's CSP
// also requires Trusted Types, so an innerHTML assignment would throw.) Attributes are set one by
// one, and event-handler attributes (on*) are refused outright.

export type Child = Node | string | number | boolean | null | undefined | Child[];

export interface Props {
  class?: string | undefined;
  id?: string | undefined;
  /** Attributes (no on* handlers; `false`/undefined leaves one out, `true` sets it empty). */
  attrs?: Record<string, string | number | boolean | undefined> | undefined;
  /** Event listeners. */
  on?: { [K in keyof HTMLElementEventMap]?: (e: HTMLElementEventMap[K]) => void } | undefined;
}

function setAttrs(el: Element, attrs: Props['attrs']): void {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (/^on/i.test(name)) throw new Error(`refusing event-handler attribute ${name}`);
    if (value === false || value === undefined) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false || c === true) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** An HTML element with text children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props?.class) el.className = props.class;
  if (props?.id) el.id = props.id;
  setAttrs(el, props?.attrs);
  for (const [type, fn] of Object.entries(props?.on ?? {})) el.addEventListener(type, fn as EventListener);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element (presentation attributes only: the CSP allows no inline style). */
export function svg(tag: string, attrs: Props['attrs'] = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** JSON shown as text in a <pre>. */
export function jsonBlock(value: unknown, label?: string): HTMLPreElement {
  return h('pre', { class: 'json', attrs: { tabindex: 0, 'aria-label': label } }, JSON.stringify(value, null, 2));
}

/** A definition list of label → value pairs (values as text). */
export function facts(pairs: [string, Child][]): HTMLDListElement {
  return h('dl', { class: 'facts' }, pairs.map(([k, v]) => [h('dt', null, k), h('dd', null, v ?? '—')]));
}

/** A live region for errors and results (role=alert for errors, status otherwise). */
export function notice(kind: 'error' | 'ok' | 'info', ...children: Child[]): HTMLElement {
  return h('p', { class: `notice ${kind}`, attrs: { role: kind === 'error' ? 'alert' : 'status' } }, children);
}
