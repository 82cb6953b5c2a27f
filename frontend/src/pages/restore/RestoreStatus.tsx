// A restore as it goes: its state (read again every second while queued or running, and
// refreshed by the live stream: RestoreProgress events update its bytes and rate while a
// snapshot is received back from a replica), where it came from, what it made, what it
// kept beside, and its error.
import { Anchor, Badge, Group, List, Loader, Progress, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { useTargets } from '../../api/replicationQueries';
import { type Restore, type RestoreState, isRestoreActive, useRestore, useSnapshotsById } from '../../api/restoreQueries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { FactList } from '../../components/FactList';
import { Mono } from '../../components/Mono';
import { formatBytes } from '../../lib/bytes';
import { formatTime, shortUuid } from '../../lib/format';
import { modeLabel } from '../../lib/restore';
import { rate, targetLabel } from '../replication/labels';
import { useServerNames } from '../subvolumes/common';

import { t as translate } from '../../i18n';

export const RESTORE_STATE_COLOR: Record<RestoreState, string> = {
  queued: 'gray',
  running: 'blue',
  succeeded: 'teal',
  failed: 'red',
};

export function RestoreStateBadge({ state }: { state: RestoreState }) {
  return (
    <Badge variant="light" color={RESTORE_STATE_COLOR[state]} radius="sm" tt="none" data-testid="restore-state" data-state={state}>
      {translate(`replication:targetState.${state}`)}
    </Badge>
  );
}

/** The link to a snapshot's page. */
export const snapshotHref = (subvolumeId: string, snapshotId: string) => `/subvolumes/${subvolumeId}/snapshots/${snapshotId}`;

/** What a restore made or why it failed, in a line or two (for lists). */
export function RestoreOutcome({ restore: r }: { restore: Restore }) {
  if (r.state === 'failed') {
    return (
      <Text size="sm" c="red" style={{ overflowWrap: 'anywhere' }}>
        {r.error ?? translate('replication:targetState.failed')}
      </Text>
    );
  }
  if (r.state === 'running' && r.bytes > 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="restore-figures">
        {r.rate_bytes_per_sec
          ? translate('restore:status.soFarAt', { bytes: formatBytes(r.bytes), rate: rate(r.rate_bytes_per_sec) })
          : translate('restore:status.soFar', { bytes: formatBytes(r.bytes) })}
      </Text>
    );
  }
  if (r.state !== 'succeeded') return <Text size="sm" c="dimmed">{r.mode === 'new_subvolume' ? r.destination : '…'}</Text>;
  if (r.mode === 'verify') {
    return r.replica_target_id ? (
      <Anchor component={Link} to={`/replication/targets/${r.replica_target_id}`} size="sm">
        {r.sample_percent && r.sample_percent < 100
          ? translate('restore:status.checkedSample', { sample: r.sample_percent })
          : translate('restore:status.checkedSee')}
      </Anchor>
    ) : (
      <Text size="sm">{translate('restore:status.checked')}</Text>
    );
  }
  return (
    <Stack gap={2}>
      {r.result_path && <Mono>{r.result_path}</Mono>}
      {r.mode === 'files' && (
        <Text size="xs" c="dimmed">
          {translate('restore:status.filesCopied', { count: r.files_copied ?? 0 })}
          {r.kept_beside.length > 0 ? `, ${translate('restore:status.beside', { count: r.kept_beside.length })}` : ''}
        </Text>
      )}
      {r.pre_restore_snapshot_id && (
        <Anchor component={Link} to={snapshotHref(r.subvolume_id, r.pre_restore_snapshot_id)} size="xs">
          {translate('restore:status.preRestore')}
        </Anchor>
      )}
    </Stack>
  );
}

/** "server:directory" of a target (from the cached lists). */
function useTargetName(): (id: string) => string {
  const targets = useTargets();
  const servers = useServerNames();
  const map = new Map((targets.data ?? []).map((t) => [t.id, t]));
  return (id) => targetLabel(id, map, servers);
}

/** While it runs: a moving bar (no total is known), the bytes so far and the rate. */
export function RestoreBytes({ restore: r, from, copy }: { restore: Restore; from: string | undefined; copy?: boolean }) {
  const what = from
    ? translate(copy ? 'restore:status.receivingCopy' : 'restore:status.receivingBack', { from })
    : r.mode === 'verify'
      ? translate('restore:status.comparing')
      : translate('restore:status.restoring');
  return (
    <Stack gap={4}>
      <Progress value={100} striped animated aria-label={translate('restore:status.barLabel')} data-testid="restore-bar" />
      {(from || r.bytes > 0) && (
        <Text size="sm" data-testid="restore-figures">
          {what}:{' '}
          {r.rate_bytes_per_sec
            ? translate('restore:status.soFarAt', { bytes: formatBytes(r.bytes), rate: rate(r.rate_bytes_per_sec) })
            : translate('restore:status.soFar', { bytes: formatBytes(r.bytes) })}
        </Text>
      )}
    </Stack>
  );
}

/** Follows one restore until it succeeded or failed (`copyOn`: the server a snapshot is
 *  received on as a copy, when not the primary). */
export function RestoreProgress({ id, copyOn }: { id: string; copyOn?: string }) {
  const restore = useRestore(id);
  const targetName = useTargetName();
  const r = restore.data;
  const base = useSnapshotsById(r?.incremental_from ? [r.incremental_from] : []);
  if (restore.isError && !r) return <ErrorNotice title={translate('restore:status.readFailed')} error={restore.error} />;
  if (!r) return <Loader size="sm" aria-label={translate('restore:status.loading')} />;
  const from = r.replica_target_id ? targetName(r.replica_target_id) : undefined;
  const received: [string, ReactNode][] =
    from && r.mode !== 'verify' && r.state === 'succeeded'
      ? [
          [
            copyOn ? translate('restore:status.sent') : translate('restore:status.sentBack'),
            r.incremental_from
              ? translate('restore:status.incrementally', { base: base.get(r.incremental_from)?.name ?? shortUuid(r.incremental_from) })
              : r.bytes === 0
                ? copyOn
                  ? translate('restore:status.copyThere')
                  : translate('restore:status.primaryHeld')
                : copyOn
                  ? translate('restore:status.fullCopy')
                  : translate('restore:status.full'),
          ],
          [translate('restore:status.received'), formatBytes(r.bytes)],
        ]
      : [];
  return (
    <Stack gap="sm" data-testid="restore-progress" data-state={r.state}>
      <Group gap="sm">
        <RestoreStateBadge state={r.state} />
        {isRestoreActive(r) && <Loader size="xs" aria-label={translate('restore:status.restoring')} />}
        <Text size="sm">
          {translate(`restore:status.line.${r.state}`)}
        </Text>
      </Group>
      {r.state === 'running' && <RestoreBytes restore={r} from={from} copy={copyOn !== undefined} />}
      {r.state === 'failed' && r.error && (
        <Text size="sm" c="red" role="alert" style={{ overflowWrap: 'anywhere' }}>
          {r.error}
        </Text>
      )}
      <FactList
        label={translate('restore:status.label')}
        facts={[
          [translate('restore:list.mode'), modeLabel(r.mode)],
          ...(from ? [[r.mode === 'verify' ? translate('restore:status.replicaOn') : translate('restore:status.fromReplicaOn'), <Mono>{from}</Mono>] as [string, ReactNode]] : []),
          ...(copyOn ? [[translate('restore:status.copyOn'), copyOn] as [string, string]] : []),
          ...received,
          ...(r.result_path ? [[translate('restore:list.result'), <Mono>{r.result_path}</Mono>] as [string, ReactNode]] : []),
          ...(r.pre_restore_snapshot_id
            ? [
                [
                  translate('restore:status.stateBefore'),
                  <Anchor component={Link} to={snapshotHref(r.subvolume_id, r.pre_restore_snapshot_id)} size="sm">
                    {translate('restore:status.heldPreRestore')}
                  </Anchor>,
                ] as [string, ReactNode],
              ]
            : []),
          ...(r.mode === 'files' && r.state === 'succeeded' ? [[translate('restore:status.filesCopiedLabel'), String(r.files_copied ?? 0)] as [string, string]] : []),
          [translate('restore:list.requested'), translate('restore:status.requestedBy', { at: formatTime(r.requested_at), by: r.requested_by })],
          ...(r.finished_at ? [[translate('restore:status.finished'), formatTime(r.finished_at)] as [string, string]] : []),
        ]}
      />
      {r.kept_beside.length > 0 && (
        <Stack gap={4}>
          <Text size="sm">{translate('restore:status.besideList')}</Text>
          <List size="sm" spacing={2}>
            {r.kept_beside.map((p) => (
              <List.Item key={p}>
                <Mono>{p}</Mono>
              </List.Item>
            ))}
          </List>
        </Stack>
      )}
    </Stack>
  );
}
