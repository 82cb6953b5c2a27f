// The retention preview: what the policy as entered (saved or not) would keep and delete
// now, on a subvolume's primary or (with its target retention) on one of its targets, as
// a timeline. A dry run: nothing changes.
import { Button, Group, Select, Text } from '@mantine/core';
import { useState } from 'react';
import { type Policy, usePreviewRetention } from '../../api/policyQueries';
import { useSubvolumes } from '../../api/queries';
import { useTargets } from '../../api/replicationQueries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { RetentionTimeline } from '../../components/RetentionTimeline';
import { Section } from '../../components/Section';
import { targetLabel } from '../replication/labels';
import { useServerNames } from '../subvolumes/common';
import { type Draft, inputOf, validate } from './draft';
import { useTranslation } from 'react-i18next';

/** Where a preview plans: the primary, or a target's id. */
const PRIMARY = 'primary';

export function Preview({ draft, policy }: { draft: Draft; policy: Policy | undefined }) {
  const { t } = useTranslation(['policies', 'common']);
  const subvolumes = useSubvolumes();
  const preview = usePreviewRetention();
  const managed = (subvolumes.data ?? []).filter((s) => s.managed);
  const [subvolumeId, setSubvolumeId] = useState<string | null>(() => policy?.subvolumes[0] ?? null);
  const chosen = subvolumeId ?? (managed.length === 1 ? managed[0]!.id : null);
  const targets = useTargets();
  const serverNames = useServerNames();
  const targetMap = new Map((targets.data ?? []).map((t) => [t.id, t]));
  const ofChosen = (targets.data ?? []).filter((t) => t.subvolume_id === chosen);
  const [whereId, setWhere] = useState<string>(PRIMARY);
  // A target of another subvolume (or one gone) falls back to the primary.
  const where = draft.prune_targets && ofChosen.some((t) => t.id === whereId) ? whereId : PRIMARY;
  const draftErrors = validate(draft);

  function run() {
    if (!chosen) return;
    // Preview what the form says now (saved or not), so changes can be tried before saving.
    preview.mutate({ subvolume_id: chosen, draft: inputOf(draft), target_id: where === PRIMARY ? null : where });
  }

  return (
    <Section id="preview-title" title={t('preview.title')}>
      <Text size="sm" c="dimmed">
        {t('preview.explain')}
      </Text>
      <Group align="flex-end" gap="sm" wrap="wrap">
        <Select
          label={t('common:noun.subvolume')}
          placeholder={managed.length ? t('assign.choose') : t('preview.noSubvolumes')}
          data={managed.map((s) => ({ value: s.id, label: `${s.name} (${s.path})` }))}
          value={chosen}
          onChange={setSubvolumeId}
          searchable
          miw={260}
        />
        {draft.prune_targets && ofChosen.length > 0 && (
          <Select
            label={t('preview.where')}
            data={[
              { value: PRIMARY, label: t('preview.primary') },
              ...ofChosen.map((tg) => ({ value: tg.id, label: t('preview.target', { target: targetLabel(tg.id, targetMap, serverNames) }) })),
            ]}
            value={where}
            onChange={(v) => setWhere(v ?? PRIMARY)}
            allowDeselect={false}
            miw={260}
          />
        )}
        <Button variant="light" onClick={run} disabled={!chosen || Object.keys(draftErrors).length > 0} loading={preview.isPending}>
          {t('preview.run')}
        </Button>
      </Group>
      {preview.isError && <ErrorNotice title={t('preview.failed')} error={preview.error} />}
      {preview.data && <RetentionTimeline preview={preview.data} />}
    </Section>
  );
}
