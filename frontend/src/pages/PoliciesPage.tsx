// Policies: schedule + retention, which subvolumes follow them, and the retention preview
// (a dry run of what would be kept) shown as a timeline.
import {
  Anchor,
  Button,
  Card,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import {
  type Policy,
  type PolicyInput,
  type PolicyRetention,
  useAssignPolicy,
  useCreatePolicy,
  useDeletePolicy,
  usePolicies,
  usePolicy,
  usePreviewRetention,
  useUnassignPolicy,
  useUpdatePolicy,
} from '../api/policyQueries';
import { useCanOperate, useSubvolumes } from '../api/queries';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { ResponsiveTable, type Column } from '../components/ResponsiveTable';
import { RetentionTimeline } from '../components/RetentionTimeline';
import { fieldError, isFieldError } from '../lib/fieldError';
import { formatTime } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';

const BUCKETS = ['keep_last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
type Bucket = (typeof BUCKETS)[number];
const BUCKET_LABEL: Record<Bucket, string> = {
  keep_last: 'Keep last',
  hourly: 'Hourly',
  daily: 'Daily',
  weekly: 'Weekly',
  monthly: 'Monthly',
  yearly: 'Yearly',
};
const BUCKET_HELP: Record<Bucket, string> = {
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

const columns: Column<Policy>[] = [
  {
    label: 'Name',
    bare: false,
    render: (p) => (
      <Anchor component={Link} to={`/policies/${p.id}`} fw={600} size="sm">
        {p.name}
      </Anchor>
    ),
  },
  {
    label: 'Schedule',
    w: 220,
    render: (p) => (
      <Text size="sm">
        <Text span ff="monospace">
          {p.schedule.cron}
        </Text>{' '}
        ({p.schedule.time_zone})
      </Text>
    ),
  },
  { label: 'Retention', render: (p) => retentionText(p.retention) },
  { label: 'Subvolumes', w: 110, render: (p) => String(p.subvolumes.length) },
];

export function PoliciesPage() {
  useDocumentTitle('Policies');
  const policies = usePolicies();
  const canOperate = useCanOperate();
  const navigate = useNavigate();
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={2}>Policies</Title>
        {canOperate && <Button onClick={() => void navigate('/policies/new')}>New policy</Button>}
      </Group>
      <Card withBorder padding="md" radius="md">
        {policies.isPending && <Skeleton h={120} />}
        {policies.isError && <ErrorNotice title="Could not load policies" error={policies.error} onRetry={() => void policies.refetch()} />}
        {policies.data &&
          (policies.data.length > 0 ? (
            <ResponsiveTable
              rows={policies.data}
              columns={columns}
              rowKey={(p) => p.id}
              caption="Policies"
              rowProps={(p) => ({ 'data-testid': 'policy-row', 'data-policy-name': p.name })}
            />
          ) : (
            <Text c="dimmed" size="sm">
              No policies yet. A policy says when snapshots are taken and which are kept.
            </Text>
          ))}
      </Card>
    </Stack>
  );
}

interface Draft {
  name: string;
  cron: string;
  time_zone: string;
  buckets: Record<Bucket, number | string>;
  min_age_hours: number | string;
  replicate: boolean;
}

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function draftOf(p: Policy | undefined): Draft {
  return {
    name: p?.name ?? '',
    cron: p?.schedule.cron ?? '0 * * * *',
    time_zone: p?.schedule.time_zone ?? browserTimeZone(),
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

function validate(d: Draft): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!d.name.trim()) errors.name = 'Enter a name.';
  else if (!/^[A-Za-z0-9._@+-]+$/.test(d.name.trim())) errors.name = 'Use letters, digits and . _ @ + - only.';
  if (!d.cron.trim()) errors['schedule.cron'] = 'Enter a cron expression, e.g. 0 * * * * or @daily.';
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

function inputOf(d: Draft): PolicyInput {
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

const FORM_FIELDS = ['name', 'schedule.cron', 'schedule.time_zone', 'retention.min_age', ...BUCKETS.map((b) => `retention.${b}`)];

/** `/policies/new` and `/policies/:id`: the editor, the assignments and the preview. */
export function PolicyPage() {
  const { id = 'new' } = useParams();
  const isNew = id === 'new';
  const [deleting, setDeleting] = useState(false);
  const policy = usePolicy(id, !isNew && !deleting);
  useDocumentTitle(isNew ? 'New policy' : policy.data ? `Policy ${policy.data.name}` : 'Policy');
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/policies" size="sm">
        ← All policies
      </Anchor>
      {!isNew && policy.isPending && <Skeleton h={200} />}
      {!isNew && policy.isError && <ErrorNotice title="Could not load the policy" error={policy.error} onRetry={() => void policy.refetch()} />}
      {(isNew || policy.data) && <PolicyEditor key={policy.data?.id ?? 'new'} policy={isNew ? undefined : policy.data} onDeleting={setDeleting} />}
    </Stack>
  );
}

function PolicyEditor({ policy, onDeleting }: { policy: Policy | undefined; onDeleting: (deleting: boolean) => void }) {
  const canOperate = useCanOperate();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft>(() => draftOf(policy));
  const [touched, setTouched] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const create = useCreatePolicy();
  const update = useUpdatePolicy(policy?.id ?? '');
  const remove = useDeletePolicy();
  const save = policy ? update : create;
  const errors = touched ? validate(draft) : {};
  const err = (field: string) => errors[field] ?? fieldError(save.error, field);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(validate(draft)).length > 0) return;
    const input = inputOf(draft);
    if (policy) update.mutate(input);
    else create.mutate(input, { onSuccess: (p) => void navigate(`/policies/${p.id}`, { replace: true }) });
  }

  return (
    <>
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={2}>{policy ? policy.name : 'New policy'}</Title>
        {policy && canOperate && (
          <Button variant="light" color="red" onClick={() => setDeleting(true)}>
            Delete…
          </Button>
        )}
      </Group>
      <Card withBorder padding="md" radius="md" component="section" aria-labelledby="policy-form-title">
        <form onSubmit={onSubmit} noValidate aria-label="Policy">
          <fieldset disabled={!canOperate} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
            <Stack gap="sm">
              <Title order={3} size="h4" id="policy-form-title">
                Schedule and retention
              </Title>
              <TextInput label="Name" required value={draft.name} onChange={(e) => set({ name: e.currentTarget.value })} error={err('name')} autoComplete="off" />
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <TextInput
                  label="Schedule (cron)"
                  description="minute hour day-of-month month day-of-week, or @hourly / @daily"
                  required
                  value={draft.cron}
                  onChange={(e) => set({ cron: e.currentTarget.value })}
                  error={err('schedule.cron')}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                  autoComplete="off"
                />
                <TextInput
                  label="Time zone"
                  description="IANA name, e.g. Europe/Berlin (also for the calendar buckets)"
                  required
                  value={draft.time_zone}
                  onChange={(e) => set({ time_zone: e.currentTarget.value })}
                  error={err('schedule.time_zone') ?? err('retention.time_zone')}
                  autoComplete="off"
                />
              </SimpleGrid>
              <Text size="sm" fw={500}>
                Keep (a snapshot is kept if any rule keeps it; the newest is always kept)
              </Text>
              <SimpleGrid cols={{ base: 2, sm: 3, md: 4 }}>
                {BUCKETS.map((b) => (
                  <NumberInput
                    key={b}
                    label={BUCKET_LABEL[b]}
                    description={BUCKET_HELP[b]}
                    min={0}
                    allowDecimal={false}
                    value={draft.buckets[b]}
                    onChange={(v) => set({ buckets: { ...draft.buckets, [b]: v } })}
                    error={err(`retention.${b}`)}
                  />
                ))}
                <NumberInput
                  label="Minimum age (hours)"
                  description="Keep everything younger"
                  min={0}
                  value={draft.min_age_hours}
                  onChange={(v) => set({ min_age_hours: v })}
                  error={err('retention.min_age')}
                />
              </SimpleGrid>
              <Switch
                label="Replicate to the subvolume's targets after each scheduled snapshot"
                checked={draft.replicate}
                onChange={(e) => set({ replicate: e.currentTarget.checked })}
              />
              {save.isError && !isFieldError(save.error, FORM_FIELDS) && <ErrorNotice title="Could not save the policy" error={save.error} />}
              {update.isSuccess && (
                <Text size="sm" c="teal" role="status">
                  Saved.
                </Text>
              )}
              {canOperate && (
                <Group justify="flex-end">
                  <Button type="submit" loading={save.isPending}>
                    {policy ? 'Save' : 'Create policy'}
                  </Button>
                </Group>
              )}
              {policy && (
                <Text size="xs" c="dimmed">
                  Created {formatTime(policy.created_at)} · changed {formatTime(policy.updated_at)}
                </Text>
              )}
            </Stack>
          </fieldset>
        </form>
      </Card>
      {policy && <Assignments policy={policy} />}
      <Preview draft={draft} policy={policy} />
      {policy && (
        <ConfirmDialog
          opened={deleting}
          title={`Delete policy ${policy.name}?`}
          confirmLabel="Delete policy"
          danger
          loading={remove.isPending}
          error={remove.error}
          errorTitle="Could not delete the policy"
          onConfirm={() => {
            onDeleting(true); // no refetch of the policy that is about to be gone
            remove.mutate(policy.id, { onSuccess: () => void navigate('/policies'), onError: () => onDeleting(false) });
          }}
          onClose={() => {
            setDeleting(false);
            remove.reset();
          }}
        >
          <Text size="sm">No more scheduled snapshots or pruning under it. Existing snapshots stay.</Text>
        </ConfirmDialog>
      )}
    </>
  );
}

function Assignments({ policy }: { policy: Policy }) {
  const subvolumes = useSubvolumes();
  const canOperate = useCanOperate();
  const assign = useAssignPolicy();
  const unassign = useUnassignPolicy();
  const [choice, setChoice] = useState<string | null>(null);
  const managed = (subvolumes.data ?? []).filter((s) => s.managed);
  const following = managed.filter((s) => policy.subvolumes.includes(s.id));
  const others = managed.filter((s) => !policy.subvolumes.includes(s.id));
  const error = assign.error ?? unassign.error;
  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby="assignments-title">
      <Stack gap="sm">
        <Title order={3} size="h4" id="assignments-title">
          Subvolumes following this policy
        </Title>
        {subvolumes.isError && <ErrorNotice title="Could not load subvolumes" error={subvolumes.error} />}
        {following.length === 0 ? (
          <Text size="sm" c="dimmed">
            None yet.
          </Text>
        ) : (
          <Stack gap={4} component="ul" aria-label="Assigned subvolumes" p={0} m={0} style={{ listStyle: 'none' }}>
            {following.map((s) => (
              <Group key={s.id} component="li" justify="space-between" wrap="nowrap" data-testid="assigned-subvolume">
                <Anchor component={Link} to={`/subvolumes/${s.id}`} size="sm" style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
                  {s.name} <Text span c="dimmed" ff="monospace" size="xs">{s.path}</Text>
                </Anchor>
                {canOperate && (
                  <Button size="xs" variant="default" style={{ flexShrink: 0 }} onClick={() => unassign.mutate(s.id)} loading={unassign.isPending && unassign.variables === s.id} aria-label={`Unassign ${s.name}`}>
                    Unassign
                  </Button>
                )}
              </Group>
            ))}
          </Stack>
        )}
        {canOperate && others.length > 0 && (
          <Group align="flex-end" gap="sm" wrap="wrap">
            <Select
              label="Assign to subvolume"
              description="A subvolume follows at most one policy: this replaces its current one."
              placeholder="Choose a subvolume"
              data={others.map((s) => ({ value: s.id, label: `${s.name} (${s.path})` }))}
              value={choice}
              onChange={setChoice}
              searchable
              miw={260}
            />
            <Button
              disabled={!choice}
              loading={assign.isPending}
              onClick={() => choice && assign.mutate({ subvolumeId: choice, policyId: policy.id }, { onSuccess: () => setChoice(null) })}
            >
              Assign
            </Button>
          </Group>
        )}
        {error && <ErrorNotice title="Could not change the assignment" error={error} />}
      </Stack>
    </Card>
  );
}

function Preview({ draft, policy }: { draft: Draft; policy: Policy | undefined }) {
  const subvolumes = useSubvolumes();
  const preview = usePreviewRetention();
  const managed = (subvolumes.data ?? []).filter((s) => s.managed);
  const [subvolumeId, setSubvolumeId] = useState<string | null>(() => policy?.subvolumes[0] ?? null);
  const chosen = subvolumeId ?? (managed.length === 1 ? managed[0]!.id : null);
  const draftErrors = validate(draft);

  function run() {
    if (!chosen) return;
    // Preview what the form says now (saved or not), so changes can be tried before saving.
    preview.mutate({ subvolume_id: chosen, draft: inputOf(draft) });
  }

  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby="preview-title">
      <Stack gap="sm">
        <Title order={3} size="h4" id="preview-title">
          Retention preview
        </Title>
        <Text size="sm" c="dimmed">
          What this policy (as entered above) would keep and delete on a subvolume right now. Nothing is changed.
        </Text>
        <Group align="flex-end" gap="sm" wrap="wrap">
          <Select
            label="Subvolume"
            placeholder={managed.length ? 'Choose a subvolume' : 'No managed subvolumes'}
            data={managed.map((s) => ({ value: s.id, label: `${s.name} (${s.path})` }))}
            value={chosen}
            onChange={setSubvolumeId}
            searchable
            miw={260}
          />
          <Button variant="light" onClick={run} disabled={!chosen || Object.keys(draftErrors).length > 0} loading={preview.isPending}>
            Preview
          </Button>
        </Group>
        {preview.isError && <ErrorNotice title="Could not preview" error={preview.error} />}
        {preview.data && <RetentionTimeline preview={preview.data} />}
      </Stack>
    </Card>
  );
}
