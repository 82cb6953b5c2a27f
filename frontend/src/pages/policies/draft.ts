// A policy as the editor holds it (a draft): from and to the API's shape, and the checks
// it makes before saving or previewing.
import type { Policy, PolicyInput, PolicyRetention } from '../../api/policyQueries';
import { cronProblem } from '../../lib/cron';
import { userTimeZone } from '../../lib/format';

export const BUCKETS = ['keep_last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type Bucket = (typeof BUCKETS)[number];
export const BUCKET_LABEL: Record<Bucket, string> = {
  keep_last: 'Keep last',
  hourly: 'Hourly',
  daily: 'Daily',
  weekly: 'Weekly',
  monthly: 'Monthly',
  yearly: 'Yearly',
};
export const BUCKET_HELP: Record<Bucket, string> = {
  keep_last: 'The N newest snapshots',
  hourly: 'First of each of the last N hours',
  daily: 'First of each of the last N days',
  weekly: 'First of each of the last N ISO weeks',
  monthly: 'First of each of the last N months',
  yearly: 'First of each of the last N years',
};

/** "keep_last 3, daily 7, min_age 2h" */
export function retentionText(r: PolicyRetention): string {
  const parts: string[] = BUCKETS.filter((b) => (r[b] ?? 0) > 0).map((b) => `${b} ${r[b]}`);
  if (r.min_age_seconds) parts.push(`min_age ${Math.round(r.min_age_seconds / 3600)}h`);
  return parts.length ? parts.join(', ') : 'nothing';
}

export interface Draft {
  name: string;
  cron: string;
  time_zone: string;
  buckets: Record<Bucket, number | string>;
  min_age_hours: number | string;
  replicate: boolean;
}

/** The policy's values, or a new policy's defaults. */
export function draftOf(p: Policy | undefined): Draft {
  return {
    name: p?.name ?? '',
    cron: p?.schedule.cron ?? '0 * * * *',
    time_zone: p?.schedule.time_zone ?? userTimeZone(),
    buckets: {
      keep_last: p?.retention.keep_last ?? 3,
      hourly: p?.retention.hourly ?? 24,
      daily: p?.retention.daily ?? 7,
      weekly: p?.retention.weekly ?? 4,
      monthly: p?.retention.monthly ?? 0,
      yearly: p?.retention.yearly ?? 0,
    },
    min_age_hours: p?.retention.min_age_seconds ? p.retention.min_age_seconds / 3600 : '',
    replicate: p?.replicate_after_snapshot ?? false,
  };
}

/** The message per field (named as the API names it) that fails its check. */
export function validate(d: Draft): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!d.name.trim()) errors.name = 'Enter a name.';
  else if (!/^[A-Za-z0-9._@+-]+$/.test(d.name.trim())) errors.name = 'Use letters, digits and . _ @ + - only.';
  const cron = cronProblem(d.cron);
  if (cron) errors['schedule.cron'] = cron;
  if (!d.time_zone.trim()) errors['schedule.time_zone'] = 'Enter an IANA time zone, e.g. Europe/Berlin.';
  for (const b of BUCKETS) {
    const n = Number(d.buckets[b] === '' ? 0 : d.buckets[b]);
    if (!Number.isInteger(n) || n < 0) errors[`retention.${b}`] = 'A whole number, 0 or more.';
  }
  if (d.min_age_hours !== '' && (Number.isNaN(Number(d.min_age_hours)) || Number(d.min_age_hours) < 0)) {
    errors['retention.min_age'] = 'Hours, 0 or more.';
  }
  return errors;
}

export function inputOf(d: Draft): PolicyInput {
  const count = (b: Bucket) => Number(d.buckets[b] === '' ? 0 : d.buckets[b]);
  const retention: PolicyRetention = {
    keep_last: count('keep_last'),
    hourly: count('hourly'),
    daily: count('daily'),
    weekly: count('weekly'),
    monthly: count('monthly'),
    yearly: count('yearly'),
  };
  if (d.min_age_hours !== '' && Number(d.min_age_hours) > 0) retention.min_age_seconds = Math.round(Number(d.min_age_hours) * 3600);
  return {
    name: d.name.trim(),
    schedule: { cron: d.cron.trim(), time_zone: d.time_zone.trim() },
    retention,
    replicate_after_snapshot: d.replicate,
  };
}

/** Every field the editor shows a problem next to. */
export const FORM_FIELDS = ['name', 'schedule.cron', 'schedule.time_zone', 'retention.min_age', ...BUCKETS.map((b) => `retention.${b}`)];
