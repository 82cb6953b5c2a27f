// Retrying a run that failed for some targets: a new run of the same snapshot to the
// failed targets the operator keeps ticked (all of them by default).
import { Checkbox, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { type Replication, type Target, useReplicateNow } from '../../api/replicationQueries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { targetLabel } from './labels';
import { useTranslation } from 'react-i18next';

/** The targets of `run` that failed. */
export function failedTargets(run: Replication): string[] {
  return run.targets.filter((t) => t.state === 'failed').map((t) => t.target_id);
}

export function RetryDialog({ run, targets, servers, onClose }: {
  run: Replication;
  targets: Map<string, Target>;
  servers: Map<string, string>;
  onClose: () => void;
}) {
  const { t } = useTranslation(['replication', 'common']);
  const failed = failedTargets(run);
  const [chosen, setChosen] = useState<string[]>(failed);
  const replicate = useReplicateNow();
  return (
    <ConfirmDialog
      opened
      title={t('retry.title')}
      confirmLabel={t('retry.confirm', { count: chosen.length })}
      loading={replicate.isPending}
      error={replicate.error}
      errorTitle={t('retry.failed')}
      onClose={onClose}
      onConfirm={() => chosen.length > 0 && replicate.mutate({ snapshot_id: run.snapshot_id, target_ids: chosen }, { onSuccess: onClose })}
    >
      <Stack gap="xs">
        <Text size="sm">{t('retry.explain')}</Text>
        <Checkbox.Group value={chosen} onChange={setChosen} label={t('retry.failedTargets')}>
          <Stack gap={6} mt={6}>
            {failed.map((id) => (
              <Checkbox key={id} value={id} label={targetLabel(id, targets, servers)} />
            ))}
          </Stack>
        </Checkbox.Group>
      </Stack>
    </ConfirmDialog>
  );
}
