// A restore as it goes: its state (read again every second while queued or running, and
// refreshed by the live stream: RestoreProgress events update its bytes and rate while a
// snapshot is received back from a replica), where it came from, what it made, what it
// kept beside, and its error.
import { Anchor, Badge, Group, List, Loader, Progress, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useTargets } from '../../api/replicationQueries';
import { type Restore, type RestoreState, isRestoreActive, useRestore, useSnapshotsById } from '../../api/restoreQueries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { FactList } from '../../components/FactList';
import { Mono } from '../../components/Mono';
import { formatBytes } from '../../lib/bytes';
import { formatNumber, formatTime, shortUuid } from '../../lib/format';
import { modeLabel } from '../../lib/restore';
import { rate, targetLabel } from '../replication/labels';
import { useServerNames } from '../subvolumes/common';

export const RESTORE_STATE_COLOR: Record<RestoreState, string> = {
  queued: 'gray',
  running: 'blue',
  succeeded: 'teal',
  failed: 'red',
};

export function RestoreStateBadge({ state }: { state: RestoreState }) {
  const { t } = useTranslation(['restore', 'common']);
  return (
    <Badge variant="light" color={RESTORE_STATE_COLOR[state]} radius="sm" tt="none" data-testid="restore-state" data-state={state}>
      {t(`state.${state}`)}
    </Badge>
  );
}

/** The link to a snapshot's page. */
export const snapshotHref = (subvolumeId: string, snapshotId: string) => `/subvolumes/${subvolumeId}/snapshots/${snapshotId}`;

/** What a restore made or why it failed, in a line or two (for lists). */
export function RestoreOutcome({ restore: r }: { restore: Restore }) {
  const { t } = useTranslation(['restore', 'common']);
  if (r.state === 'failed') {
    return (
      <Text size="sm" c="red" style={{ overflowWrap: 'anywhere' }}>
        {r.error ?? t('state.failed')}
      </Text>
    );
  }
  if (r.state === 'running' && r.bytes > 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="restore-figures">
        {r.rate_bytes_per_sec
          ? t('status.soFarAt', { bytes: formatBytes(r.bytes), rate: rate(r.rate_bytes_per_sec) })
          : t('status.soFar', { bytes: formatBytes(r.bytes) })}
      </Text>
    );
  }
  if (r.state !== 'succeeded') return <Text size="sm" c="dimmed">{r.mode === 'new_subvolume' ? r.destination : '…'}</Text>;
  if (r.mode === 'verify') {
    return r.replica_target_id ? (
      <Anchor component={Link} to={`/replication/targets/${r.replica_target_id}`} size="sm">
        {r.sample_percent && r.sample_percent < 100
          ? t('status.checkedSample', { sample: formatNumber(r.sample_percent) })
          : t('status.checkedSee')}
      </Anchor>
    ) : (
      <Text size="sm">{t('status.checked')}</Text>
    );
  }
  return (
    <Stack gap={2}>
      {r.result_path && <Mono>{r.result_path}</Mono>}
      {r.mode === 'files' && (
        <Text size="xs" c="dimmed">
          {r.kept_beside.length > 0
            ? t('status.filesCopiedBeside', {
                copied: t('status.filesCopied', { count: r.files_copied ?? 0 }),
                beside: t('status.beside', { count: r.kept_beside.length }),
              })
            : t('status.filesCopied', { count: r.files_copied ?? 0 })}
        </Text>
      )}
      {r.pre_restore_snapshot_id && (
        <Anchor component={Link} to={snapshotHref(r.subvolume_id, r.pre_restore_snapshot_id)} size="xs">
          {t('status.preRestore')}
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
  const { t } = useTranslation(['restore', 'common']);
  const what = from
    ? t(copy ? 'status.receivingCopy' : 'status.receivingBack', { from })
    : r.mode === 'verify'
      ? t('status.comparing')
      : t('status.restoring');
  return (
    <Stack gap={4}>
      <Progress value={100} striped animated aria-label={t('status.barLabel')} data-testid="restore-bar" />
      {(from || r.bytes > 0) && (
        <Text size="sm" data-testid="restore-figures">
          {t('status.progress', {
            what,
            amount: r.rate_bytes_per_sec
              ? t('status.soFarAt', { bytes: formatBytes(r.bytes), rate: rate(r.rate_bytes_per_sec) })
              : t('status.soFar', { bytes: formatBytes(r.bytes) }),
          })}
        </Text>
      )}
    </Stack>
  );
}

/** Follows one restore until it succeeded or failed (`copyOn`: the server a snapshot is
 *  received on as a copy, when not the primary). */
export function RestoreProgress({ id, copyOn }: { id: string; copyOn?: string }) {
  const { t } = useTranslation(['restore', 'common']);
  const restore = useRestore(id);
  const targetName = useTargetName();
  const r = restore.data;
  const base = useSnapshotsById(r?.incremental_from ? [r.incremental_from] : []);
  if (restore.isError && !r) return <ErrorNotice title={t('status.readFailed')} error={restore.error} />;
  if (!r) return <Loader size="sm" aria-label={t('status.loading')} />;
  const from = r.replica_target_id ? targetName(r.replica_target_id) : undefined;
  const received: [string, ReactNode][] =
    from && r.mode !== 'verify' && r.state === 'succeeded'
      ? [
          [
            copyOn ? t('status.sent') : t('status.sentBack'),
            r.incremental_from
              ? t('status.incrementally', { base: base.get(r.incremental_from)?.name ?? shortUuid(r.incremental_from) })
              : r.bytes === 0
                ? copyOn
                  ? t('status.copyThere')
                  : t('status.primaryHeld')
                : copyOn
                  ? t('status.fullCopy')
                  : t('status.full'),
          ],
          [t('status.received'), formatBytes(r.bytes)],
        ]
      : [];
  return (
    <Stack gap="sm" data-testid="restore-progress" data-state={r.state}>
      <Group gap="sm">
        <RestoreStateBadge state={r.state} />
        {isRestoreActive(r) && <Loader size="xs" aria-label={t('status.restoring')} />}
        <Text size="sm">
          {t(`status.line.${r.state}`)}
        </Text>
      </Group>
      {r.state === 'running' && <RestoreBytes restore={r} from={from} copy={copyOn !== undefined} />}
      {r.state === 'failed' && r.error && (
        <Text size="sm" c="red" role="alert" style={{ overflowWrap: 'anywhere' }}>
          {r.error}
        </Text>
      )}
      <FactList
        label={t('status.label')}
        facts={[
          [t('list.mode'), modeLabel(r.mode)],
          ...(from ? [[r.mode === 'verify' ? t('status.replicaOn') : t('status.fromReplicaOn'), <Mono>{from}</Mono>] as [string, ReactNode]] : []),
          ...(copyOn ? [[t('status.copyOn'), copyOn] as [string, string]] : []),
          ...received,
          ...(r.result_path ? [[t('list.result'), <Mono>{r.result_path}</Mono>] as [string, ReactNode]] : []),
          ...(r.pre_restore_snapshot_id
            ? [
                [
                  t('status.stateBefore'),
                  <Anchor component={Link} to={snapshotHref(r.subvolume_id, r.pre_restore_snapshot_id)} size="sm">
                    {t('status.heldPreRestore')}
                  </Anchor>,
                ] as [string, ReactNode],
              ]
            : []),
          ...(r.mode === 'files' && r.state === 'succeeded' ? [[t('status.filesCopiedLabel'), formatNumber(r.files_copied ?? 0)] as [string, string]] : []),
          [t('list.requested'), t('status.requestedBy', { at: formatTime(r.requested_at), by: r.requested_by })],
          ...(r.finished_at ? [[t('status.finished'), formatTime(r.finished_at)] as [string, string]] : []),
        ]}
      />
      {r.kept_beside.length > 0 && (
        <Stack gap={4}>
          <Text size="sm">{t('status.besideList')}</Text>
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
