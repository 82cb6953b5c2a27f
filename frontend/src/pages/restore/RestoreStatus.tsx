// A restore as it goes: its state (read again every second while queued or running, and
// refreshed by the live stream), what it made, what it kept beside, and its error.
import { Anchor, Badge, Group, List, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { type Restore, type RestoreState, isRestoreActive, useRestore } from '../../api/restoreQueries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { FactList } from '../../components/FactList';
import { Mono } from '../../components/Mono';
import { formatBytes } from '../../lib/bytes';
import { formatTime } from '../../lib/format';
import { MODE_LABEL } from '../../lib/restore';

export const RESTORE_STATE_COLOR: Record<RestoreState, string> = {
  queued: 'gray',
  running: 'blue',
  succeeded: 'teal',
  failed: 'red',
};

export function RestoreStateBadge({ state }: { state: RestoreState }) {
  return (
    <Badge variant="light" color={RESTORE_STATE_COLOR[state]} radius="sm" tt="none" data-testid="restore-state" data-state={state}>
      {state}
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
        {r.error ?? 'failed'}
      </Text>
    );
  }
  if (r.state !== 'succeeded') return <Text size="sm" c="dimmed">{r.mode === 'new_subvolume' ? r.destination : '…'}</Text>;
  return (
    <Stack gap={2}>
      {r.result_path && <Mono>{r.result_path}</Mono>}
      {r.mode === 'files' && (
        <Text size="xs" c="dimmed">
          {r.files_copied ?? 0} file{r.files_copied === 1 ? '' : 's'} copied
          {r.kept_beside.length > 0 ? `, ${r.kept_beside.length} written beside an existing file` : ''}
        </Text>
      )}
      {r.pre_restore_snapshot_id && (
        <Anchor component={Link} to={snapshotHref(r.subvolume_id, r.pre_restore_snapshot_id)} size="xs">
          the pre-restore snapshot
        </Anchor>
      )}
    </Stack>
  );
}

/** Follows one restore until it succeeded or failed. */
export function RestoreProgress({ id }: { id: string }) {
  const restore = useRestore(id);
  if (restore.isError && !restore.data) return <ErrorNotice title="Could not read the restore" error={restore.error} />;
  const r = restore.data;
  if (!r) return <Loader size="sm" aria-label="Loading the restore" />;
  return (
    <Stack gap="sm" data-testid="restore-progress" data-state={r.state}>
      <Group gap="sm">
        <RestoreStateBadge state={r.state} />
        {isRestoreActive(r) && <Loader size="xs" aria-label="Restoring" />}
        <Text size="sm">
          {r.state === 'queued' && 'Waiting for its turn…'}
          {r.state === 'running' && `Restoring… ${r.bytes > 0 ? formatBytes(r.bytes) : ''}`}
          {r.state === 'succeeded' && 'Done.'}
          {r.state === 'failed' && 'The restore failed.'}
        </Text>
      </Group>
      {r.state === 'failed' && r.error && (
        <Text size="sm" c="red" role="alert" style={{ overflowWrap: 'anywhere' }}>
          {r.error}
        </Text>
      )}
      <FactList
        label="Restore"
        facts={[
          ['Mode', MODE_LABEL[r.mode]],
          ...(r.result_path ? [['Result', <Mono>{r.result_path}</Mono>] as [string, ReactNode]] : []),
          ...(r.pre_restore_snapshot_id
            ? [
                [
                  'State before',
                  <Anchor component={Link} to={snapshotHref(r.subvolume_id, r.pre_restore_snapshot_id)} size="sm">
                    the held pre-restore snapshot
                  </Anchor>,
                ] as [string, ReactNode],
              ]
            : []),
          ...(r.mode === 'files' && r.state === 'succeeded' ? [['Files copied', String(r.files_copied ?? 0)] as [string, string]] : []),
          ['Requested', `${formatTime(r.requested_at)} by ${r.requested_by}`],
          ...(r.finished_at ? [['Finished', formatTime(r.finished_at)] as [string, string]] : []),
        ]}
      />
      {r.kept_beside.length > 0 && (
        <Stack gap={4}>
          <Text size="sm">Written beside an existing file (the existing one was kept):</Text>
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
