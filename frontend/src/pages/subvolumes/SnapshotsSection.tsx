// A subvolume's snapshots, newest first and paged: open one (its files, restores),
// replicate, delete (after confirming), adopt or release one; optionally with the deleted
// and vanished ones.
import { Anchor, Badge, Button, Group, Switch, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Snapshot, Subvolume } from '../../api/client';
import { SNAPSHOT_PAGE_SIZE, useAdoptSnapshot, useDeleteSnapshot, useSnapshots } from '../../api/queries';
import { useReplicateNow, useTargets } from '../../api/replicationQueries';
import { ReplicateDialog } from '../replication/ReplicateDialog';
import { useReleaseSnapshot } from '../../api/restoreQueries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Mono } from '../../components/Mono';
import { MutationNotice } from '../../components/MutationNotice';
import { QueryState } from '../../components/QueryState';
import { ResponsiveTable, type Column } from '../../components/ResponsiveTable';
import { Section } from '../../components/Section';
import { SnapshotSize } from '../../components/SnapshotSize';
import { Time } from '../../components/Time';
import { shortUuid } from '../../lib/format';
import { useConfirm } from '../../lib/useConfirm';
import { useServerNames } from './common';
import { HeldBadge } from './SnapshotDetail';
import { Trans, useTranslation } from 'react-i18next';

const STATE_COLOR: Record<Snapshot['state'], string> = { present: 'teal', deleted: 'gray', vanished: 'orange' };

function StatusBadges({ s }: { s: Snapshot }) {
  const { t } = useTranslation(['subvolumes', 'common']);
  return (
    <Group gap={6} wrap="wrap">
      <Badge
        variant={s.managed ? 'light' : 'outline'}
        color={s.managed ? 'blue' : 'yellow'}
        radius="sm"
        tt="none"
        title={s.managed ? t('snapshots.managedTitle') : t('snapshots.unmanagedTitle')}
      >
        {s.managed ? t('snapshots.managed') : t('snapshots.unmanaged')}
      </Badge>
      <Badge variant="light" color={STATE_COLOR[s.state]} radius="sm" tt="none" data-testid="snapshot-state">
        {t(`snapshots.state.${s.state}`)}
      </Badge>
      <HeldBadge held={s.held} />
    </Group>
  );
}

export function SnapshotsSection({ subvolume, canOperate }: { subvolume: Subvolume; canOperate: boolean }) {
  const { t } = useTranslation(['subvolumes', 'common']);
  // the cursors of the pages before this one's: a page is read after its predecessor's last row
  const [trail, setTrail] = useState<string[]>([]);
  const [includeGone, setIncludeGone] = useState(false);
  const snapshots = useSnapshots(subvolume.id, trail.at(-1), includeGone);
  const remove = useDeleteSnapshot();
  const deleting = useConfirm<Snapshot>(remove);
  const adopt = useAdoptSnapshot();
  const serverNames = useServerNames();
  const replicate = useReplicateNow();
  const release = useReleaseSnapshot();
  const targets = useTargets();
  const hasTargets = (targets.data ?? []).some((t) => t.subvolume_id === subvolume.id);
  const targetMap = new Map((targets.data ?? []).map((t) => [t.id, t]));
  const [replicating, setReplicating] = useState<Snapshot | null>(null);

  const items = snapshots.data?.items ?? [];
  const next = snapshots.data?.next_after ?? undefined;
  // after deleting the last one on a later page, step back a page
  if (snapshots.data && !snapshots.isPlaceholderData && items.length === 0 && trail.length > 0) setTrail(trail.slice(0, -1));
  const first = trail.length * SNAPSHOT_PAGE_SIZE + 1;
  const last = first + items.length - 1;

  const columns: Column<Snapshot>[] = [
    {
      label: t('common:noun.name'),
      bare: true,
      render: (s) => (
        <Anchor
          component={Link}
          to={`/subvolumes/${subvolume.id}/snapshots/${s.id}`}
          size="sm"
          ff="monospace"
          fw={500}
          title={s.path}
          style={{ overflowWrap: 'anywhere' }}
        >
          {s.name}
        </Anchor>
      ),
    },
    { label: t('common:noun.created'), w: 200, render: (s) => <Time at={s.created_at ?? s.recorded_at} /> },
    { label: t('common:noun.size'), w: 120, render: (s) => <SnapshotSize bytes={s.size_bytes} /> },
    {
      label: t('snapshots.uuid'),
      w: 100,
      render: (s) => (
        <Text size="sm" ff="monospace" title={s.uuid} aria-label={t('snapshots.uuidLabel', { uuid: s.uuid })}>
          {shortUuid(s.uuid)}
        </Text>
      ),
    },
    { label: t('common:noun.status'), w: 190, render: (s) => <StatusBadges s={s} /> },
    {
      label: t('common:noun.actions'),
      w: 190,
      end: true,
      bare: true,
      render: (s) => {
        const lastError = s.last_error ? (
          <Text size="xs" c="red" ta="left" mt={4}>
            {t('snapshots.deleteFailedLast', { error: s.last_error })}
          </Text>
        ) : null;
        if (!canOperate || s.state !== 'present') return lastError;
        return (
          <>
            {hasTargets && (
              <Button
                size="xs"
                variant="light"
                mr={6}
                aria-label={t('snapshots.replicateLabel', { name: s.name })}
                onClick={() => {
                  replicate.reset();
                  setReplicating(s);
                }}
              >
                {t('snapshots.replicate')}
              </Button>
            )}
            {s.held && (
              <Button
                size="xs"
                variant="default"
                mr={6}
                aria-label={t('snapshots.releaseLabel', { name: s.name })}
                title={t('snapshots.releaseTitle')}
                loading={release.isPending && release.variables === s.id}
                onClick={() => release.mutate(s.id)}
              >
                {t('snapshots.release')}
              </Button>
            )}
            {s.managed ? (
              <Button size="xs" variant="light" color="red" aria-label={t('snapshots.deleteLabel', { name: s.name })} onClick={() => deleting.open(s)}>
                {t('common:actions.delete')}
              </Button>
            ) : (
              <Button
                size="xs"
                variant="light"
                aria-label={t('snapshots.adoptLabel', { name: s.name })}
                title={t('snapshots.adoptTitle')}
                loading={adopt.isPending && adopt.variables?.id === s.id}
                onClick={() => adopt.mutate(s)}
              >
                {t('snapshots.adopt')}
              </Button>
            )}
            {lastError}
          </>
        );
      },
    },
  ];

  const showGone = (
    <Switch
      label={t('snapshots.showGone')}
      checked={includeGone}
      onChange={(e) => {
        setIncludeGone(e.currentTarget.checked);
        setTrail([]);
      }}
    />
  );

  return (
    <Section id="snapshots-title" title={t('snapshots.title')} extra={showGone}>
      {adopt.isError && <ErrorNotice title={t('snapshots.adoptFailed')} error={adopt.error} />}
      {release.isError && <ErrorNotice title={t('snapshots.releaseFailed')} error={release.error} />}
      <MutationNotice
        mutation={replicate}
        errorTitle={t('snapshots.replicateFailed')}
        success={(started) => (
          <Trans
            t={t}
            i18nKey="snapshots.replicationStarted"
            count={started.targets.length}
            components={{ page: <Anchor component={Link} to="/replication" size="sm" /> }}
          />
        )}
      />
      {replicating && (
        <ReplicateDialog
          snapshot={replicating}
          targets={targetMap}
          servers={serverNames}
          replicate={replicate}
          onClose={() => setReplicating(null)}
        />
      )}
      <QueryState query={snapshots} errorTitle={t('snapshots.loadFailed')} skeleton={160}>
        {() => (
          <>
            <Text size="sm" c="dimmed" role="status" data-testid="snapshots-count">
              {items.length === 0 ? t('snapshots.none') : t('snapshots.range', { first, last })}
            </Text>
            {items.length > 0 && (
              <ResponsiveTable
                rows={items}
                columns={columns}
                rowKey={(s) => s.id}
                caption={t('snapshots.title')}
                rowProps={(s) => ({
                  'data-testid': 'snapshot-row',
                  'data-name': s.name,
                  'data-state': s.state,
                  'data-managed': String(s.managed),
                })}
                minWidth={840}
              />
            )}
            {(trail.length > 0 || next) && (
              <Group justify="center" gap="sm">
                <Button size="xs" variant="default" disabled={trail.length === 0} onClick={() => setTrail(trail.slice(0, -1))}>
                  {t('snapshots.previous')}
                </Button>
                <Text size="sm" c="dimmed">
                  {t('snapshots.page', { page: trail.length + 1 })}
                </Text>
                <Button size="xs" variant="default" disabled={!next} onClick={() => next && setTrail([...trail, next])}>
                  {t('snapshots.nextPage')}
                </Button>
              </Group>
            )}
          </>
        )}
      </QueryState>
      <ConfirmDialog
        {...deleting.dialog}
        title={t('snapshots.deleteTitle')}
        confirmLabel={t('snapshots.deleteConfirm')}
        danger
        errorTitle={t('snapshots.deleteFailed')}
        onConfirm={() => {
          if (deleting.subject) remove.mutate(deleting.subject, { onSuccess: deleting.close });
        }}
      >
        <Text size="sm">
          <Trans
            t={t}
            i18nKey={serverNames.has(subvolume.server_id) ? 'snapshots.deleteText' : 'snapshots.deleteTextItsServer'}
            values={{ path: deleting.subject?.path, server: serverNames.get(subvolume.server_id) }}
            components={{ mono: <Mono>{null}</Mono> }}
          />
        </Text>
      </ConfirmDialog>
    </Section>
  );
}
