// Verifying a replica against its snapshot on the primary: how much of the content to
// compare (a sample percentage), what the check does in plain words, then the job
// followed until it is done; the replica's row then shows OK or DIFFERS.
import { Button, Group, Modal, NumberInput, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { type Replica, useVerifyReplica } from '../../api/restoreQueries';
import { FormError } from '../../components/FormActions';
import { Mono } from '../../components/Mono';
import { fieldError } from '../../lib/fieldError';
import { replicaName } from '../../lib/restore';
import { RestoreProgress } from '../restore/RestoreStatus';
import { t as translate } from '../../i18n';
import { useTranslation } from 'react-i18next';

/** Whether `value` is a sample percentage the API takes (a whole number, 1-100). */
export function validSample(value: number | string): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 100;
}

/** What a verification compares, in plain words. */
export function describeVerify(sample: number, where: string): string {
  return sample >= 100
    ? translate('replication:verify.describeAll', { where })
    : translate('replication:verify.describeSample', { where, sample });
}

export function VerifyDialog({ replica, where, onClose }: { replica: Replica; where: string; onClose: () => void }) {
  const { t } = useTranslation(['replication', 'common']);
  const verify = useVerifyReplica();
  const [sample, setSample] = useState<number | string>(100);
  const ok = validSample(sample);
  const name = replicaName(replica.path);
  return (
    <Modal opened onClose={onClose} title={t('verify.title', { name })} centered>
      {verify.data ? (
        <Stack gap="md">
          <RestoreProgress id={verify.data.id} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common:actions.close')}
            </Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (ok) verify.mutate({ id: replica.id, sample_percent: sample });
          }}
        >
          <Stack gap="md">
            <Text size="sm">
              <Mono>{replica.path}</Mono>
            </Text>
            <NumberInput
              label={t('verify.sample')}
              description={t('verify.sampleHelp')}
              min={1}
              max={100}
              step={5}
              allowDecimal={false}
              suffix="%"
              value={sample}
              onChange={setSample}
              error={(!ok ? t('verify.sampleRange') : undefined) ?? fieldError(verify.error, 'sample_percent')}
            />
            <Text size="sm" data-testid="verify-summary">
              {describeVerify(ok ? sample : 100, where)}
            </Text>
            <FormError error={verify.error} fields={['sample_percent']} title={t('verify.failed')} />
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={onClose}>
                {t('common:actions.cancel')}
              </Button>
              <Button type="submit" loading={verify.isPending} disabled={!ok}>
                {t('replicas.verify')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
