// A subvolume's snapshots, newest first and paged: open one (its files, restores),
// replicate, delete (after confirming), adopt or release one; optionally with the deleted
// and vanished ones.
import { Anchor, Badge, Button, Group, Pagination, Switch, Text } from '@mantine/core';
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

const STATE_COLOR: Record<Snapshot['state'], string> = { present: 'teal', deleted: 'gray', vanished: 'orange' };

function StatusBadges({ s }: { s: Snapshot }) {
  return (
    <Group gap={6} wrap="wrap">
      <Badge
        variant={s.managed ? 'light' : 'outline'}
        color={s.managed ? 'blue' : 'yellow'}
        radius="sm"
        tt="none"
        title={s.managed ? 'dist-btrfs may delete it' : 'Made by someone else: adopt it before deleting'}
      >
        {s.managed ? 'managed' : 'unmanaged'}
      </Badge>
      <Badge variant="light" color={STATE_COLOR[s.state]} radius="sm" tt="none" data-testid="snapshot-state">
        {s.state}
      </Badge>
      <HeldBadge held={s.held} />
    </Group>
  );
}

export function SnapshotsSection({ subvolume, canOperate }: { subvolume: Subvolume; canOperate: boolean }) {
  const [page, setPage] = useState(1);
  const [includeGone, setIncludeGone] = useState(false);
  const offset = (page - 1) * SNAPSHOT_PAGE_SIZE;
  const snapshots = useSnapshots(subvolume.id, offset, includeGone);
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

  const total = snapshots.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / SNAPSHOT_PAGE_SIZE));
  // after deleting the last one on the last page, step back a page
  if (snapshots.data && !snapshots.isPlaceholderData && page > pages) setPage(pages);
  const items = snapshots.data?.items ?? [];
  const first = total === 0 ? 0 : offset + 1;
  const last = offset + items.length;

  const columns: Column<Snapshot>[] = [
    {
      label: 'Name',
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
    { label: 'Created', w: 200, render: (s) => <Time at={s.created_at ?? s.recorded_at} /> },
    { label: 'Size', w: 120, render: (s) => <SnapshotSize bytes={s.size_bytes} /> },
    {
      label: 'UUID',
      w: 100,
      render: (s) => (
        <Text size="sm" ff="monospace" title={s.uuid} aria-label={`uuid ${s.uuid}`}>
          {shortUuid(s.uuid)}
        </Text>
      ),
    },
    { label: 'Status', w: 190, render: (s) => <StatusBadges s={s} /> },
    {
      label: 'Actions',
      w: 190,
      end: true,
      bare: true,
      render: (s) => {
        const lastError = s.last_error ? (
          <Text size="xs" c="red" ta="left" mt={4}>
            Last delete failed: {s.last_error}
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
                aria-label={`Replicate ${s.name}`}
                onClick={() => {
                  replicate.reset();
                  setReplicating(s);
                }}
              >
                Replicate…
              </Button>
            )}
            {s.held && (
              <Button
                size="xs"
                variant="default"
                mr={6}
                aria-label={`Release ${s.name}`}
                title="Let retention prune it again"
                loading={release.isPending && release.variables === s.id}
                onClick={() => release.mutate(s.id)}
              >
                Release
              </Button>
            )}
            {s.managed ? (
              <Button size="xs" variant="light" color="red" aria-label={`Delete ${s.name}`} onClick={() => deleting.open(s)}>
                Delete
              </Button>
            ) : (
              <Button
                size="xs"
                variant="light"
                aria-label={`Adopt ${s.name}`}
                title="Take it under management so that it may be deleted"
                loading={adopt.isPending && adopt.variables?.id === s.id}
                onClick={() => adopt.mutate(s)}
              >
                Adopt
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
      label="Show deleted and vanished"
      checked={includeGone}
      onChange={(e) => {
        setIncludeGone(e.currentTarget.checked);
        setPage(1);
      }}
    />
  );

  return (
    <Section id="snapshots-title" title="Snapshots" extra={showGone}>
      {adopt.isError && <ErrorNotice title="Could not adopt the snapshot" error={adopt.error} />}
      {release.isError && <ErrorNotice title="Could not release the snapshot" error={release.error} />}
      <MutationNotice
        mutation={replicate}
        errorTitle="Could not start the replication"
        success={(started) => (
          <>
            Replication to {started.targets.length} target{started.targets.length === 1 ? '' : 's'} started: follow it on the{' '}
            <Anchor component={Link} to="/replication" size="sm">
              Replication
            </Anchor>{' '}
            page.
          </>
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
      <QueryState query={snapshots} errorTitle="Could not load snapshots" skeleton={160}>
        {() => (
          <>
            <Text size="sm" c="dimmed" role="status" data-testid="snapshots-count">
              {total === 0 ? 'No snapshots.' : `${first}–${last} of ${total} snapshot${total === 1 ? '' : 's'}, newest first`}
            </Text>
            {items.length > 0 && (
              <ResponsiveTable
                rows={items}
                columns={columns}
                rowKey={(s) => s.id}
                caption="Snapshots"
                rowProps={(s) => ({
                  'data-testid': 'snapshot-row',
                  'data-name': s.name,
                  'data-state': s.state,
                  'data-managed': String(s.managed),
                })}
                minWidth={840}
              />
            )}
            {pages > 1 && (
              <Group justify="center">
                <Pagination
                  total={pages}
                  value={page}
                  onChange={setPage}
                  size="sm"
                  getControlProps={(control) => ({
                    'aria-label': control === 'previous' ? 'Previous page' : control === 'next' ? 'Next page' : control,
                  })}
                  getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
                />
              </Group>
            )}
          </>
        )}
      </QueryState>
      <ConfirmDialog
        {...deleting.dialog}
        title="Delete this snapshot?"
        confirmLabel="Delete snapshot"
        danger
        errorTitle="Could not delete the snapshot"
        onConfirm={() => {
          if (deleting.subject) remove.mutate(deleting.subject, { onSuccess: deleting.close });
        }}
      >
        <Text size="sm">
          <Mono>{deleting.subject?.path}</Mono> will be deleted from the disk of{' '}
          {serverNames.get(subvolume.server_id) ?? 'its server'}. This cannot be undone.
        </Text>
      </ConfirmDialog>
    </Section>
  );
}
