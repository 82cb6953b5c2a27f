// A first check of a cron expression in the browser, so that a mistake is named while the
// operator types (the server parses it for real, and its answer is shown when it refuses).
// It only refuses what is certainly wrong (the number of fields, numbers out of a field's
// range, empty list items); any syntax it does not know passes on to the server.

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

const FIELDS: { name: string; min: number; max: number }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];

/** What is certainly wrong with `text` as a 5-field cron expression, or null. */
export function cronProblem(text: string): string | null {
  const t = text.trim();
  if (!t) return 'Enter a cron expression, e.g. 0 * * * * or @daily.';
  if (t.startsWith('@')) {
    return MACROS.includes(t.toLowerCase()) ? null : `Unknown shorthand ${t}: use one of ${MACROS.join(', ')}.`;
  }
  const parts = t.split(/\s+/);
  if (parts.length !== 5) {
    return `A cron expression has 5 fields (minute hour day-of-month month day-of-week); this has ${parts.length}.`;
  }
  for (const [i, part] of parts.entries()) {
    const f = FIELDS[i]!;
    for (const item of part.split(',')) {
      if (item === '') return `The ${f.name} field has an empty list item: ${part}.`;
      const [range = '', step] = item.split('/');
      if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `The ${f.name} field's step must be a whole number above 0: ${item}.`;
      for (const n of range.split('-')) {
        if (/^\d+$/.test(n) && (Number(n) < f.min || Number(n) > f.max)) {
          return `The ${f.name} field must be ${f.min}-${f.max}: got ${n}.`;
        }
      }
    }
  }
  return null;
}
