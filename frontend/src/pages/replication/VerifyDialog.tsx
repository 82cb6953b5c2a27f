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

/** Whether `value` is a sample percentage the API takes (a whole number, 1-100). */
export function validSample(value: number | string): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 100;
}

/** What a verification compares, in plain words. */
export function describeVerify(sample: number, where: string): string {
  const content =
    sample >= 100
      ? 'and the same content (sha256) for every file'
      : `and the same content (sha256) for ${sample}% of the files, picked by their path (the same files every time)`;
  return (
    `The replica on ${where} is checked against its snapshot on the primary: it must be read-only and received from ` +
    `that snapshot, hold the same files with the same sizes, ${content}. Nothing is changed on either side; a replica ` +
    'that differs is reported, not repaired (delete it and replicate again).'
  );
}

export function VerifyDialog({ replica, where, onClose }: { replica: Replica; where: string; onClose: () => void }) {
  const verify = useVerifyReplica();
  const [sample, setSample] = useState<number | string>(100);
  const ok = validSample(sample);
  const name = replicaName(replica.path);
  return (
    <Modal opened onClose={onClose} title={`Verify ${name}`} centered>
      {verify.data ? (
        <Stack gap="md">
          <RestoreProgress id={verify.data.id} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Close
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
              label="Content compared (% of the files)"
              description="100 reads every file on both sides; a smaller sample is quicker on large replicas."
              min={1}
              max={100}
              step={5}
              allowDecimal={false}
              suffix="%"
              value={sample}
              onChange={setSample}
              error={(!ok ? 'A whole number from 1 to 100.' : undefined) ?? fieldError(verify.error, 'sample_percent')}
            />
            <Text size="sm" data-testid="verify-summary">
              {describeVerify(ok ? sample : 100, where)}
            </Text>
            <FormError error={verify.error} fields={['sample_percent']} title="Could not start the verification" />
            <Group justify="flex-end" gap="sm">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={verify.isPending} disabled={!ok}>
                Verify
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
