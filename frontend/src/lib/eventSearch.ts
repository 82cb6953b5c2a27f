// The event search of GET /events?q=… as form fields and back: `kind:<Type>` terms, a
// `subject:<id>`, `from:`/`to:` RFC 3339 times and free text (quoted). The server parses
// it (domain::event_search); this only writes it and reads back what it wrote.

export interface EventSearch {
  kinds: string[];
  subject: string;
  /** RFC 3339, or empty. */
  from: string;
  to: string;
  text: string;
}

export const EMPTY_SEARCH: EventSearch = { kinds: [], subject: '', from: '', to: '', text: '' };

/** The search as the one `q` string (empty when nothing is set). */
export function compose(s: EventSearch): string {
  const parts = s.kinds.filter((k) => k.trim()).map((k) => `kind:${k.trim()}`);
  if (s.subject.trim()) parts.push(`subject:${s.subject.trim()}`);
  if (s.from) parts.push(`from:${s.from}`);
  if (s.to) parts.push(`to:${s.to}`);
  const text = s.text.replace(/"/g, ' ').trim().replace(/\s+/g, ' ');
  if (text) parts.push(`"${text}"`);
  return parts.join(' ');
}

/** The fields of a `q` string (unknown terms become text). */
export function decompose(q: string): EventSearch {
  const out: EventSearch = { ...EMPTY_SEARCH, kinds: [] };
  const words: string[] = [];
  for (const m of q.matchAll(/"([^"]*)"|(\S+)/g)) {
    const phrase = m[1];
    const term = m[2];
    if (phrase !== undefined) {
      if (phrase.trim()) words.push(phrase.trim());
      continue;
    }
    if (term === undefined) continue;
    const colon = term.indexOf(':');
    const key = colon > 0 ? term.slice(0, colon) : '';
    const value = term.slice(colon + 1);
    if (key === 'kind') out.kinds.push(value);
    else if (key === 'subject') out.subject = value;
    else if (key === 'from') out.from = value;
    else if (key === 'to') out.to = value;
    else words.push(term);
  }
  out.text = words.join(' ');
  return out;
}

/** A local `datetime-local` value as RFC 3339 (UTC), or '' for none. */
export function localToRfc3339(local: string): string {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** RFC 3339 as a `datetime-local` value in the user's time zone, or ''. */
export function rfc3339ToLocal(rfc: string): string {
  if (!rfc) return '';
  const d = new Date(rfc);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Rows as CSV (RFC 4180: quoted fields, doubled quotes, CRLF). */
export function toCsv(header: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
