import { t } from '../i18n';
import { formatNumber } from './format';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** Bytes for people, in binary units and the dashboard's language: 1536 → "1.5 KiB"
 *  (Russian: "1,5 КиБ"). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || Number.isNaN(bytes)) return '—';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const number = formatNumber(value, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false });
  return `${bytes < 0 ? '-' : ''}${number} ${t(`units.${UNITS[unit] ?? 'B'}`)}`;
}

/** `part` as a percentage of `whole`, 0 when `whole` is 0. */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.min(100, Math.max(0, (part / whole) * 100)) : 0;
}

/** A usage bar's colour: teal, yellow from 85 % (the fleet status's default "filesystem
 *  filling up" threshold), red from 95 %. Every usage bar uses it, so they agree. */
export function usageColor(usedPercent: number): string {
  return usedPercent >= 95 ? 'red' : usedPercent >= 85 ? 'yellow' : 'teal';
}
