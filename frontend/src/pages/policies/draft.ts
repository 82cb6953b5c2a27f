// A policy as the editor holds it (a draft): from and to the API's shape, and the checks
// it makes before saving or previewing.
import type { Policy, PolicyInput, PolicyRetention } from '../../api/policyQueries';
import { t } from '../../i18n';
import { cronProblem } from '../../lib/cron';
import { userTimeZone } from '../../lib/format';

export const BUCKETS = ['keep_last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
export type Bucket = (typeof BUCKETS)[number];

/** "keep_last 3, daily 7, min_age 2h": the rules by their API names, as the keep reasons
 *  the server gives name them (not translated, like those). */
export function retentionText(r: PolicyRetention): string {
  const parts: string[] = BUCKETS.filter((b) => (r[b] ?? 0) > 0).map((b) => `${b} ${r[b]}`);
  if (r.min_age_seconds) parts.push(`min_age ${Math.round(r.min_age_seconds / 3600)}h`);
  return parts.length ? parts.join(', ') : t('policies:nothing');
}

/** The counts and minimum age of one retention, as entered. */
export interface RetentionDraft {
  buckets: Record<Bucket, number | string>;
  min_age_hours: number | string;
}

export interface Draft {
  name: string;
  cron: string;
  time_zone: string;
  /** On the primary. */
  retention: RetentionDraft;
  /** Whether replicas on the targets are pruned (by `target`); off: never. */
  prune_targets: boolean;
  target: RetentionDraft;
  replicate: boolean;
}

const PRIMARY_DEFAULTS: Record<Bucket, number> = { keep_last: 3, hourly: 24, daily: 7, weekly: 4, monthly: 0, yearly: 0 };
/** Backups usually reach further back than the primary. */
const TARGET_DEFAULTS: Record<Bucket, number> = { keep_last: 3, hourly: 0, daily: 14, weekly: 8, monthly: 12, yearly: 0 };

function retentionDraft(r: PolicyRetention | null | undefined, defaults: Record<Bucket, number>): RetentionDraft {
  const buckets = { ...defaults };
  if (r) for (const b of BUCKETS) buckets[b] = r[b] ?? 0;
  return { buckets, min_age_hours: r?.min_age_seconds ? r.min_age_seconds / 3600 : '' };
}

/** The policy's values, or a new policy's defaults. */
export function draftOf(p: Policy | undefined): Draft {
  return {
    name: p?.name ?? '',
    cron: p?.schedule.cron ?? '0 * * * *',
    time_zone: p?.schedule.time_zone ?? userTimeZone(),
    retention: retentionDraft(p?.retention, PRIMARY_DEFAULTS),
    prune_targets: Boolean(p?.target_retention),
    target: retentionDraft(p?.target_retention, TARGET_DEFAULTS),
    replicate: p?.replicate_after_snapshot ?? false,
  };
}

function validateRetention(r: RetentionDraft, field: string, errors: Record<string, string>) {
  for (const b of BUCKETS) {
    const n = Number(r.buckets[b] === '' ? 0 : r.buckets[b]);
    if (!Number.isInteger(n) || n < 0) errors[`${field}.${b}`] = t('policies:check.count');
  }
  if (r.min_age_hours !== '' && (Number.isNaN(Number(r.min_age_hours)) || Number(r.min_age_hours) < 0)) {
    errors[`${field}.min_age`] = t('policies:check.hours');
  }
}

/** The message per field (named as the API names it) that fails its check. */
export function validate(d: Draft): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!d.name.trim()) errors.name = t('validation:name.empty');
  else if (!/^[A-Za-z0-9._@+-]+$/.test(d.name.trim())) errors.name = t('servers:connection.nameChars');
  const cron = cronProblem(d.cron);
  if (cron) errors['schedule.cron'] = cron;
  if (!d.time_zone.trim()) errors['schedule.time_zone'] = t('policies:check.zone');
  validateRetention(d.retention, 'retention', errors);
  if (d.prune_targets) validateRetention(d.target, 'target_retention', errors);
  return errors;
}

function retentionOf(r: RetentionDraft): PolicyRetention {
  const count = (b: Bucket) => Number(r.buckets[b] === '' ? 0 : r.buckets[b]);
  const retention: PolicyRetention = {
    keep_last: count('keep_last'),
    hourly: count('hourly'),
    daily: count('daily'),
    weekly: count('weekly'),
    monthly: count('monthly'),
    yearly: count('yearly'),
  };
  if (r.min_age_hours !== '' && Number(r.min_age_hours) > 0) retention.min_age_seconds = Math.round(Number(r.min_age_hours) * 3600);
  return retention;
}

/** What is sent: without pruning on the targets, `target_retention` is null (a saved one is cleared). */
export function inputOf(d: Draft): PolicyInput {
  return {
    name: d.name.trim(),
    schedule: { cron: d.cron.trim(), time_zone: d.time_zone.trim() },
    retention: retentionOf(d.retention),
    target_retention: d.prune_targets ? retentionOf(d.target) : null,
    replicate_after_snapshot: d.replicate,
  };
}

const retentionFields = (field: string) => [`${field}.min_age`, `${field}.min_age_seconds`, ...BUCKETS.map((b) => `${field}.${b}`)];

/** Every field the editor shows a problem next to. */
export const FORM_FIELDS = ['name', 'schedule.cron', 'schedule.time_zone', ...retentionFields('retention'), ...retentionFields('target_retention')];
