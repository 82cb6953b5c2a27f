// "Replicate" with intent: for each target of the snapshot's subvolume, what a replication
// would do (GET /snapshots/{id}/replication-preview: already present, full or incremental
// with an estimate, refused, unreadable); the targets that lack the snapshot are ticked;
// the operator confirms which ones get it.
import { Checkbox, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { UseMutationResult } from '@tanstack/react-query';
import type { ApiError } from '../../api/problem';
import { type Replication, type Target, type TargetPreview, useReplicationPreview } from '../../api/replicationQueries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { QueryState } from '../../components/QueryState';
import { formatBytes } from '../../lib/bytes';
import { targetLabel } from './labels';
import { t as translate } from '../../i18n';
import { useTranslation } from 'react-i18next';

type Replicate = UseMutationResult<Replication, ApiError, { snapshot_id: string; target_ids?: string[] }>;

/** What the preview says, for people. */
export function planText(p: TargetPreview): string {
  const bytes = p.estimated_bytes != null ? formatBytes(p.estimated_bytes) : null;
  switch (p.plan) {
    case 'already_present':
      return translate('replication:replicate.present');
    case 'full':
      return bytes === null ? translate('replication:replicate.full') : translate('replication:replicate.fullAbout', { bytes });
    case 'incremental':
      return bytes === null ? translate('replication:replicate.incremental') : translate('replication:replicate.incrementalAbout', { bytes });
    case 'refused':
      return translate('replication:replicate.refused', { reason: p.reason ?? '' });
    case 'unreadable':
      return translate('replication:replicate.unreadable', { reason: p.reason ?? '' });
  }
}

const sends = (p: TargetPreview) => p.plan === 'full' || p.plan === 'incremental';

function Targets({ plans, targets, servers, onReady }: {
  plans: TargetPreview[];
  targets: Map<string, Target>;
  servers: Map<string, string>;
  onReady: (chosen: string[]) => void;
}) {
  const { t } = useTranslation(['replication', 'common']);
  const [chosen, setChosen] = useState(() => plans.filter(sends).map((p) => p.target_id));
  const change = (ids: string[]) => {
    setChosen(ids);
    onReady(ids);
  };
  if (plans.length === 0) return <Text size="sm">{t('replicate.noTargets')}</Text>;
  return (
    <Checkbox.Group value={chosen} onChange={change} label={t('targets.title')}>
      <Stack gap={8} mt={6}>
        {plans.map((p) => (
          <Checkbox
            key={p.target_id}
            value={p.target_id}
            label={targetLabel(p.target_id, targets, servers)}
            description={planText(p)}
            disabled={p.plan === 'already_present' || p.plan === 'refused'}
            data-testid="preview-target"
            data-plan={p.plan}
          />
        ))}
      </Stack>
    </Checkbox.Group>
  );
}

export function ReplicateDialog({ snapshot, targets, servers, replicate, onClose }: {
  snapshot: { id: string; name: string };
  targets: Map<string, Target>;
  servers: Map<string, string>;
  replicate: Replicate;
  onClose: () => void;
}) {
  const { t } = useTranslation(['replication', 'subvolumes', 'common']);
  const preview = useReplicationPreview(snapshot.id);
  const [chosen, setChosen] = useState<string[] | null>(null);
  const ticked = chosen ?? (preview.data ?? []).filter(sends).map((p) => p.target_id);
  return (
    <ConfirmDialog
      opened
      title={t('replicate.title', { name: snapshot.name })}
      confirmLabel={t('replicate.confirm', { count: ticked.length })}
      loading={replicate.isPending}
      error={replicate.error}
      errorTitle={t('subvolumes:snapshots.replicateFailed')}
      onClose={onClose}
      onConfirm={() => ticked.length > 0 && replicate.mutate({ snapshot_id: snapshot.id, target_ids: ticked }, { onSuccess: onClose })}
    >
      <QueryState query={preview} errorTitle={t('replicate.readFailed')} skeleton={80}>
        {(plans) => <Targets plans={plans} targets={targets} servers={servers} onReady={setChosen} />}
      </QueryState>
    </ConfirmDialog>
  );
}
