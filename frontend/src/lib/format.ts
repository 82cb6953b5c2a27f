import { locale } from '../i18n';

/** A timestamp for people: local date and time in the dashboard's language; the ISO form
 *  goes in a title attribute. `options` picks a shorter form (e.g. a chart's axis). */
export function formatTime(
  iso: string | number,
  options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'medium' },
): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(locale(), options);
}

/** A number in the dashboard's language (grouping, decimal separator). */
export function formatNumber(value: number, options: Intl.NumberFormatOptions = {}): string {
  return value.toLocaleString(locale(), options);
}

/** The browser's IANA time zone: what times are shown in, and a new policy's default. */
export function userTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The first block of a uuid, enough to tell snapshots apart at a glance. */
export function shortUuid(uuid: string): string {
  return uuid.split('-')[0] ?? uuid;
}

/** The allowed root a path lies under (the longest that matches), if any. */
export function rootOf(path: string, roots: string[]): string | undefined {
  return roots
    .filter((root) => path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`))
    .sort((a, b) => b.length - a.length)[0];
}

/** The default snapshot directory offered when managing a subvolume: `<root>/.snapshots`. */
export function defaultSnapshotDir(path: string, roots: string[]): string {
  const root = rootOf(path, roots) ?? path.slice(0, path.lastIndexOf('/')) ?? '';
  return `${root.replace(/\/+$/, '')}/.snapshots`;
}
