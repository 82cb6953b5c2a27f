// A policy's editor (schedule, retention on the primary and on the targets, replication), its assignments, the retention
// preview of what is entered, and deleting it.
import { Button, Card, Group, NumberInput, SimpleGrid, Stack, Switch, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { type Policy, useCreatePolicy, useDeletePolicy, useUpdatePolicy } from '../../api/policyQueries';
import { useCanOperate } from '../../api/queries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { FormError } from '../../components/FormActions';
import { PageHeader } from '../../components/PageHeader';
import { formatTime } from '../../lib/format';
import { useConfirm } from '../../lib/useConfirm';
import { useFormErrors } from '../../lib/useFormErrors';
import { Assignments } from './Assignments';
import { BUCKETS, type Draft, FORM_FIELDS, type RetentionDraft, draftOf, inputOf, validate } from './draft';
import { Preview } from './Preview';
import { useTranslation } from 'react-i18next';

/** The counts and minimum age of one retention (on the primary or on the targets). */
function RetentionFields({
  title,
  field,
  value,
  onChange,
  error,
}: {
  title: string;
  field: 'retention' | 'target_retention';
  value: RetentionDraft;
  onChange: (value: RetentionDraft) => void;
  error: (field: string, ...also: string[]) => string | null;
}) {
  const { t } = useTranslation(['policies', 'common']);
  return (
    <Stack gap={4} role="group" aria-label={field === 'retention' ? t('editor.retentionPrimary') : t('editor.retentionTargets')}>
      <Text size="sm" fw={500}>
        {title}
      </Text>
      <SimpleGrid cols={{ base: 2, sm: 3, md: 4 }}>
        {BUCKETS.map((b) => (
          <NumberInput
            key={b}
            label={t(`bucket.${b}.label`)}
            description={t(`bucket.${b}.help`)}
            min={0}
            allowDecimal={false}
            value={value.buckets[b]}
            onChange={(v) => onChange({ ...value, buckets: { ...value.buckets, [b]: v } })}
            error={error(`${field}.${b}`)}
          />
        ))}
        <NumberInput
          label={t('editor.minAge')}
          description={t('editor.minAgeHelp')}
          min={0}
          value={value.min_age_hours}
          onChange={(v) => onChange({ ...value, min_age_hours: v })}
          error={error(`${field}.min_age`, `${field}.min_age_seconds`)}
        />
      </SimpleGrid>
    </Stack>
  );
}

export function PolicyEditor({ policy, onDeleting }: { policy: Policy | undefined; onDeleting: (deleting: boolean) => void }) {
  const { t } = useTranslation(['policies', 'common']);
  const canOperate = useCanOperate();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft>(() => draftOf(policy));
  const create = useCreatePolicy();
  const update = useUpdatePolicy(policy?.id ?? '');
  const remove = useDeletePolicy();
  const deleting = useConfirm<Policy>(remove);
  const save = policy ? update : create;
  const form = useFormErrors(validate(draft), save.error);
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    // The server's refusal was about what was sent: once the input changes, it no longer
    // applies (the local checks speak for the new text).
    if (save.error) save.reset();
  };

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check()) return;
    const input = inputOf(draft);
    if (policy) update.mutate(input);
    else create.mutate(input, { onSuccess: (p) => void navigate(`/policies/${p.id}`, { replace: true }) });
  }

  return (
    <>
      <PageHeader title={policy ? policy.name : t('list.new')}>
        {policy && canOperate && (
          <Button variant="light" color="red" onClick={() => deleting.open(policy)}>
            {t('editor.delete')}
          </Button>
        )}
      </PageHeader>
      <Card withBorder padding="md" radius="md" component="section" aria-labelledby="policy-form-title">
        <form onSubmit={onSubmit} noValidate aria-label={t('common:noun.policy')}>
          <fieldset disabled={!canOperate} style={{ border: 0, padding: 0, margin: 0, minWidth: 0 }}>
            <Stack gap="sm">
              <Title order={3} size="h4" id="policy-form-title">
                {t('editor.title')}
              </Title>
              <TextInput label={t('common:noun.name')} required value={draft.name} onChange={(e) => set({ name: e.currentTarget.value })} error={form.error('name')} autoComplete="off" />
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <TextInput
                  label={t('editor.cron')}
                  description={t('editor.cronHelp')}
                  required
                  value={draft.cron}
                  onChange={(e) => set({ cron: e.currentTarget.value })}
                  error={form.error('schedule.cron')}
                  styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
                  autoComplete="off"
                />
                <TextInput
                  label={t('editor.zone')}
                  description={t('editor.zoneHelp')}
                  required
                  value={draft.time_zone}
                  onChange={(e) => set({ time_zone: e.currentTarget.value })}
                  error={form.error('schedule.time_zone', 'retention.time_zone')}
                  autoComplete="off"
                />
              </SimpleGrid>
              <RetentionFields
                title={t('editor.keepPrimary')}
                field="retention"
                value={draft.retention}
                onChange={(retention) => set({ retention })}
                error={form.error}
              />
              <Switch
                label={t('editor.pruneTargets')}
                description={t('editor.pruneTargetsHelp')}
                checked={draft.prune_targets}
                onChange={(e) => set({ prune_targets: e.currentTarget.checked })}
              />
              {draft.prune_targets && (
                <RetentionFields
                  title={t('editor.keepTarget')}
                  field="target_retention"
                  value={draft.target}
                  onChange={(target) => set({ target })}
                  error={form.error}
                />
              )}
              <Switch
                label={t('editor.replicate')}
                checked={draft.replicate}
                onChange={(e) => set({ replicate: e.currentTarget.checked })}
              />
              <FormError error={save.error} fields={FORM_FIELDS} title={t('editor.saveFailed')} />
              {update.isSuccess && (
                <Text size="sm" c="teal" role="status">
                  {t('editor.saved')}
                </Text>
              )}
              {canOperate && (
                <Group justify="flex-end">
                  <Button type="submit" loading={save.isPending}>
                    {policy ? t('common:actions.save') : t('editor.create')}
                  </Button>
                </Group>
              )}
              {policy && (
                <Text size="xs" c="dimmed">
                  {t('editor.stamps', { created: formatTime(policy.created_at), changed: formatTime(policy.updated_at) })}
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
          {...deleting.dialog}
          title={t('editor.deleteTitle', { name: policy.name })}
          confirmLabel={t('editor.deleteConfirm')}
          danger
          errorTitle={t('editor.deleteFailed')}
          onConfirm={() => {
            onDeleting(true); // no refetch of the policy that is about to be gone
            remove.mutate(policy.id, { onSuccess: () => void navigate('/policies'), onError: () => onDeleting(false) });
          }}
        >
          <Text size="sm">{t('editor.deleteText')}</Text>
        </ConfirmDialog>
      )}
    </>
  );
}
