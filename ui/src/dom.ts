/** A few DOM helpers: elements from a tag, attributes and children; time and number text. */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((ev: Event) => void)>;

/** h('a', { href: '/x' }, 'text'): an element; `on*` attributes become listeners, false/null ones are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    // Through the CSSOM: the Content-Security-Policy refuses style attributes, not style properties.
    else if (k === 'style') el.style.cssText = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el: Element, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

/** Replaces el's children. */
export function fill(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/** "3 min ago" / "in 2 h" for an RFC 3339 time; "" for none. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return duration(now - t) + ' ago';
}

/** A duration in ms as "42 s", "5 min", "3 h 4 min", "2 d 3 h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hr = Math.floor(m / 60);
  if (hr < 24) return `${hr} h ${m % 60} min`;
  return `${Math.floor(hr / 24)} d ${hr % 24} h`;
}

/** A time as shown everywhere: UTC, to the second. */
export function utc(iso: string | null | undefined): string {
  if (!iso) return '';
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
}

/** A time cell: relative text, the exact time on hover. */
export function timeCell(iso: string | null | undefined): HTMLElement {
  return h('time', { datetime: iso ?? '', title: utc(iso) }, ago(iso));
}

export function num(n: number | null | undefined): string {
  return n === null || n === undefined ? '' : n.toLocaleString('en-US');
}

/** A link to the prefix page, from every view that shows a prefix. */
export function prefixLink(prefix: string): HTMLAnchorElement {
  return h('a', { href: `/prefix?q=${encodeURIComponent(prefix)}`, 'data-nav': true }, prefix);
}

/** A badge whose class is its word (state, severity). */
export function badge(word: string, extra = ''): HTMLElement {
  return h('span', { class: `badge b-${word.replace(/[^a-z0-9-]/gi, '')} ${extra}`.trim() }, word);
}

/** A table from column headers and rows of cells. */
export function table(caption: string, heads: string[], rows: (Child | Child[])[][], cls = ''): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: cls },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, heads.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, ...(Array.isArray(c) ? c : [c])))))),
    ),
  );
}
