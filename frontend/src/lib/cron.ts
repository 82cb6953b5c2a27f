// A first check of a cron expression in the browser, so that a mistake is named while the
// operator types (the server parses it for real, and its answer is shown when it refuses).
// It only refuses what is certainly wrong (the number of fields, numbers out of a field's
// range, empty list items); any syntax it does not know passes on to the server.

import { t as translate } from '../i18n';

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

// a field's name in messages is validation.json's cron.field.<name>
const FIELDS: { name: 'minute' | 'hour' | 'dayOfMonth' | 'month' | 'dayOfWeek'; min: number; max: number }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'dayOfMonth', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'dayOfWeek', min: 0, max: 7 },
];

/** What is certainly wrong with `text` as a 5-field cron expression, or null. */
export function cronProblem(text: string): string | null {
  const t = text.trim();
  if (!t) return translate('validation:cron.empty');
  if (t.startsWith('@')) {
    return MACROS.includes(t.toLowerCase()) ? null : translate('validation:cron.macro', { text: t, macros: MACROS.join(', ') });
  }
  const parts = t.split(/\s+/);
  if (parts.length !== 5) {
    return translate('validation:cron.fields', { count: parts.length });
  }
  for (const [i, part] of parts.entries()) {
    const f = FIELDS[i]!;
    const field = translate(`validation:cron.field.${f.name}`);
    for (const item of part.split(',')) {
      if (item === '') return translate('validation:cron.emptyItem', { field, part });
      const [range = '', step] = item.split('/');
      if (step !== undefined && !/^[1-9]\d*$/.test(step)) return translate('validation:cron.step', { field, item });
      for (const n of range.split('-')) {
        if (/^\d+$/.test(n) && (Number(n) < f.min || Number(n) > f.max)) {
          return translate('validation:cron.range', { field, min: f.min, max: f.max, n });
        }
      }
    }
  }
  return null;
}
