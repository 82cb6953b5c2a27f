// Where a restore takes the snapshot from: the primary's copy, or one of its replicas (each
// with its target, that target's replication health and the replica's last verification).
// A snapshot the primary does not hold any more can only come from a replica.
import { Radio, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Snapshot } from '../../api/client';
import { useSnapshots } from '../../api/queries';
import { type Replica, useTargetReplicas } from '../../api/restoreQueries';
import { formatTime } from '../../lib/format';
import { type ReplicaSource, incrementalBase } from '../../lib/restore';
import { t as translate } from '../../i18n';
import { ReplicaVerification, TargetHealthLine, useTargetHealth } from './replicas';

/** The radio value of the primary's copy (replicas use their id). */
export const PRIMARY = 'primary';

/** Most snapshots the incremental base is looked for among (the API's largest page). */
const BASE_SEARCH = 500;

/** Why the primary's copy cannot be used, or null when it can. */
export function primaryUnavailable(snapshot: Snapshot): string | null {
  if (snapshot.state === 'present') return null;
  const state = translate(`restore:snapshotState.${snapshot.state}`);
  return snapshot.gone_at
    ? translate('restore:source.goneSince', { state, at: formatTime(snapshot.gone_at) })
    : translate('restore:source.gone', { state });
}

export function SourceChoice({
  snapshot,
  subvolumeId,
  replicas,
  replicaLabel,
  value,
  onChange,
  error,
}: {
  snapshot: Snapshot;
  subvolumeId: string;
  replicas: Replica[];
  replicaLabel: (r: Replica) => string;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
}) {
  const { t } = useTranslation(['restore', 'common']);
  const health = useTargetHealth(subvolumeId);
  const unavailable = primaryUnavailable(snapshot);
  return (
    <Radio.Group label={t('source.label')} value={value} onChange={onChange} error={error}>
      <Stack gap={10} mt={6}>
        <Radio
          value={PRIMARY}
          label={t('source.primary')}
          disabled={unavailable !== null}
          description={unavailable ?? snapshot.path}
        />
        {replicas.map((r) => (
          <Stack key={r.id} gap={4} data-testid="replica-source" data-target={r.target_id}>
            <Radio value={r.id} label={t('source.replica', { target: replicaLabel(r) })} />
            {/* beside the radio, not in its description: that is a <p>, and these are blocks */}
            <Stack gap={4} pl={32}>
              <TargetHealthLine health={health.get(r.target_id)} label={t('source.health')} />
              <ReplicaVerification replica={r} label={t('source.verified')} />
            </Stack>
          </Stack>
        ))}
        {replicas.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('source.none')}
          </Text>
        )}
      </Stack>
    </Radio.Group>
  );
}

/** A restore from `replica` said in plain words: its target, whether the primary holds the
 *  snapshot, and what the stream back would be incremental against (as the server picks it:
 *  the newest older snapshot on the primary with a replica on that target). */
export function useReplicaSource(snapshot: Snapshot, replica: Replica | undefined, replicaLabel: (r: Replica) => string): ReplicaSource | undefined {
  const primary = useSnapshots(snapshot.subvolume_id, undefined, false, BASE_SEARCH);
  const onTarget = useTargetReplicas(replica?.target_id ?? '');
  if (!replica) return undefined;
  let base: string | null | undefined;
  if (primary.data && onTarget.data) {
    const found = incrementalBase(snapshot, primary.data.items, new Set(onTarget.data.map((r) => r.snapshot_id)));
    // not found among a first page of a longer list: not known
    base = found ? found.name : primary.data.next_after ? undefined : null;
  }
  return { target: replicaLabel(replica), onPrimary: snapshot.state === 'present', base };
}
