/**
 * Values as ClickHouse reads them in text: DateTime64(3) times and TabSeparated escaping. One copy
 * for every writer of rows (the writer, the alerts' store, the API's query parameters).
 */

/**
 * A time as DateTime64(3) text in UTC ("2026-11-21 17:20:05.123"), from ms since the epoch or from
 * RFC 3339 text ("2026-11-21T17:20:05.123Z", what the collector writes: sliced without parsing).
 */
export function chTime(t: number | string): string {
  if (typeof t === 'string') {
    if (t.length === 24 && t[10] === 'T' && t[23] === 'Z') return `${t.slice(0, 10)} ${t.slice(11, 23)}`;
    const d = new Date(t);
    if (Number.isNaN(d.getTime())) throw new Error(`not an RFC 3339 time: ${JSON.stringify(t)}`);
    t = d.getTime();
  }
  const s = new Date(t).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 23)}`;
}

/**
 * TabSeparated escaping of one string value: backslash, tab, newline, CR, NUL, and the single
 * quote (which TabSeparated reads back as itself, and which must be escaped inside an array's
 * quoted elements).
 */
export function tsvEscape(s: string): string {
  return /[\\\t\n\r\0']/.test(s) ? s.replace(/[\\\t\n\r\0']/g, (c) => TSV_ESC[c] as string) : s;
}
const TSV_ESC: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0', "'": "\\'" };
