import { Alert, Anchor, Badge, Button, Card, Group, Pagination, Skeleton, Stack, Switch, Text, Title } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { Snapshot, Subvolume } from '../api/client';
import {
  SNAPSHOT_PAGE_SIZE,
  useAdoptSnapshot,
  useCanOperate,
  useCreateSnapshot,
  useDeleteSnapshot,
  useServers,
  useSnapshots,
  useSubvolume,
  useSubvolumes,
  useSyncSubvolume,
  useUnmanageSubvolume,
} from '../api/queries';
import { useReplicateNow, useTargets } from '../api/replicationQueries';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { FactList } from '../components/FactList';
import { SubvolumeReplication } from '../components/ReplicationHealth';
import { ResponsiveTable, type Column } from '../components/ResponsiveTable';
import { SubvolumeStorage } from '../components/SubvolumeStorage';
import { formatTime, shortUuid } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';

function Mono({ children }: { children: ReactNode }) {
  return (
    <Text span size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
      {children}
    </Text>
  );
}

function SnapshotError({ subvolume }: { subvolume: Subvolume }) {
  if (!subvolume.last_snapshot_error) return <Text size="sm" c="dimmed">none</Text>;
  return (
    <Text size="sm" c="red" style={{ overflowWrap: 'anywhere' }}>
      {subvolume.last_snapshot_error}
      {subvolume.last_snapshot_error_at && (
        <Text span size="xs" c="dimmed" title={subvolume.last_snapshot_error_at}>
          {' '}
          ({formatTime(subvolume.last_snapshot_error_at)})
        </Text>
      )}
    </Text>
  );
}

/** server id -> name, from the (cached) server list. */
function useServerNames(): Map<string, string> {
  const servers = useServers();
  return new Map((servers.data ?? []).map((s) => [s.id, s.name]));
}

/** Every managed subvolume. */
export function SubvolumesPage() {
  useDocumentTitle('Subvolumes');
  const subvolumes = useSubvolumes();
  const serverNames = useServerNames();
  const columns: Column<Subvolume>[] = [
    {
      label: 'Name',
      bare: true,
      render: (s) => (
        <Anchor component={Link} to={`/subvolumes/${s.id}`} fw={600} size="sm">
          {s.name}
        </Anchor>
      ),
    },
    {
      label: 'Server',
      w: 130,
      render: (s) => (
        <Anchor component={Link} to={`/servers/${s.server_id}`} size="sm">
          {serverNames.get(s.server_id) ?? shortUuid(s.server_id)}
        </Anchor>
      ),
    },
    { label: 'Path', render: (s) => <Mono>{s.path}</Mono> },
    { label: 'Snapshot directory', render: (s) => <Mono>{s.snapshot_dir}</Mono> },
    { label: 'Last snapshot error', render: (s) => <SnapshotError subvolume={s} /> },
  ];
  return (
    <Stack gap="md">
      <Title order={2}>Subvolumes</Title>
      <Card withBorder padding="md" radius="md">
        {subvolumes.isPending && <Skeleton h={120} />}
        {subvolumes.isError && (
          <ErrorNotice title="Could not load subvolumes" error={subvolumes.error} onRetry={() => void subvolumes.refetch()} />
        )}
        {subvolumes.data &&
          (subvolumes.data.length > 0 ? (
            <ResponsiveTable
              rows={subvolumes.data}
              columns={columns}
              rowKey={(s) => s.id}
              caption="Managed subvolumes"
              rowProps={(s) => ({ 'data-testid': 'subvolume-row', 'data-name': s.name })}
              minWidth={760}
            />
          ) : (
            <Text size="sm" c="dimmed">
              No managed subvolumes yet. Open a server on the{' '}
              <Anchor component={Link} to="/servers">
                Servers
              </Anchor>{' '}
              page and choose “Manage” next to one of its subvolumes.
            </Text>
          ))}
      </Card>
    </Stack>
  );
}

/** One subvolume: its facts, actions and snapshots. */
export function SubvolumePage() {
  const { id = '' } = useParams();
  const subvolume = useSubvolume(id);
  useDocumentTitle(subvolume.data ? `Subvolume ${subvolume.data.name}` : 'Subvolume');
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/subvolumes" size="sm">
        ← All subvolumes
      </Anchor>
      {subvolume.isPending && <Skeleton h={160} />}
      {subvolume.isError && (
        <ErrorNotice title="Could not load the subvolume" error={subvolume.error} onRetry={() => void subvolume.refetch()} />
      )}
      {subvolume.data && <SubvolumeDetail subvolume={subvolume.data} />}
    </Stack>
  );
}

function SubvolumeDetail({ subvolume }: { subvolume: Subvolume }) {
  const canOperate = useCanOperate() && subvolume.managed;
  const serverNames = useServerNames();
  const navigate = useNavigate();
  const create = useCreateSnapshot();
  const sync = useSyncSubvolume();
  const unmanage = useUnmanageSubvolume();
  const [confirmUnmanage, setConfirmUnmanage] = useState(false);

  return (
    <>
      <Group justify="space-between" align="center" wrap="wrap" gap="sm">
        <Group gap="sm" align="center">
          <Title order={2}>{subvolume.name}</Title>
          {!subvolume.managed && (
            <Badge color="gray" variant="light" radius="sm" tt="none">
              no longer managed
            </Badge>
          )}
        </Group>
        {canOperate && (
          <Group gap="sm" wrap="wrap">
            <Button
              onClick={() => {
                sync.reset();
                create.mutate(subvolume.id);
              }}
              loading={create.isPending}
            >
              Create snapshot
            </Button>
            <Button
              variant="default"
              onClick={() => {
                create.reset();
                sync.mutate(subvolume.id);
              }}
              loading={sync.isPending}
            >
              Sync with disk
            </Button>
            <Button
              variant="outline"
              color="red"
              onClick={() => {
                unmanage.reset();
                setConfirmUnmanage(true);
              }}
            >
              Stop managing
            </Button>
          </Group>
        )}
      </Group>

      {create.isError && <ErrorNotice title="Could not create a snapshot" error={create.error} />}
      {create.isSuccess && (
        <Alert color="teal" variant="light" role="status" withCloseButton onClose={() => create.reset()}>
          Created snapshot <Mono>{create.data.name}</Mono>.
        </Alert>
      )}
      {sync.isError && <ErrorNotice title="Could not sync with the disk" error={sync.error} />}
      {sync.isSuccess && (
        <Alert color="teal" variant="light" role="status" title="Synced with the disk" withCloseButton onClose={() => sync.reset()}>
          <Text size="sm">
            {sync.data.vanished.length === 0 && sync.data.discovered.length === 0
              ? 'The catalog already matched the disk.'
              : `${sync.data.vanished.length} snapshot${sync.data.vanished.length === 1 ? '' : 's'} found gone, ${
                  sync.data.discovered.length
                } found on disk and catalogued as unmanaged.`}
          </Text>
        </Alert>
      )}

      <Card withBorder padding="md" radius="md" component="section" aria-label="Subvolume details">
        <FactList
          label="Subvolume details"
          facts={[
            [
              'Server',
              <Anchor component={Link} to={`/servers/${subvolume.server_id}`} size="sm">
                {serverNames.get(subvolume.server_id) ?? subvolume.server_id}
              </Anchor>,
            ],
            ['Path', <Mono>{subvolume.path}</Mono>],
            ['Snapshot directory', <Mono>{subvolume.snapshot_dir}</Mono>],
            ['btrfs uuid', <Mono>{subvolume.btrfs_uuid}</Mono>],
            ['Managed since', formatTime(subvolume.managed_at)],
            ...(subvolume.unmanaged_at ? [['Unmanaged at', formatTime(subvolume.unmanaged_at)] as [string, string]] : []),
            ['Last snapshot error', <SnapshotError subvolume={subvolume} />],
          ]}
        />
      </Card>

      <SubvolumeStorage subvolumeId={subvolume.id} />

      <SubvolumeReplication subvolumeId={subvolume.id} />

      <SnapshotsCard subvolume={subvolume} canOperate={canOperate} />

      <ConfirmDialog
        opened={confirmUnmanage}
        title="Stop managing this subvolume?"
        confirmLabel="Stop managing"
        danger
        loading={unmanage.isPending}
        error={unmanage.error}
        errorTitle="Could not stop managing"
        onClose={() => setConfirmUnmanage(false)}
        onConfirm={() =>
          unmanage.mutate(subvolume.id, {
            onSuccess: () => {
              setConfirmUnmanage(false);
              void navigate('/subvolumes');
            },
          })
        }
      >
        <Text size="sm">
          dist-btrfs will stop taking and deleting snapshots of <Mono>{subvolume.path}</Mono>.
        </Text>
        <Text size="sm">
          No data is touched: the subvolume and all its snapshots stay on disk, and the snapshots stay in the
          catalog. You can manage it again later from its server’s page.
        </Text>
      </ConfirmDialog>
    </>
  );
}

const STATE_COLOR: Record<Snapshot['state'], string> = { present: 'teal', deleted: 'gray', vanished: 'orange' };

function SnapshotsCard({ subvolume, canOperate }: { subvolume: Subvolume; canOperate: boolean }) {
  const [page, setPage] = useState(1);
  const [includeGone, setIncludeGone] = useState(false);
  const offset = (page - 1) * SNAPSHOT_PAGE_SIZE;
  const snapshots = useSnapshots(subvolume.id, offset, includeGone);
  const remove = useDeleteSnapshot();
  const adopt = useAdoptSnapshot();
  const [deleting, setDeleting] = useState<Snapshot | null>(null);
  const serverNames = useServerNames();
  const replicate = useReplicateNow();
  const targets = useTargets();
  const hasTargets = (targets.data ?? []).some((t) => t.subvolume_id === subvolume.id);

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
        <Text size="sm" ff="monospace" fw={500} title={s.path} style={{ overflowWrap: 'anywhere' }}>
          {s.name}
        </Text>
      ),
    },
    {
      label: 'Created',
      w: 200,
      render: (s) => {
        const at = s.created_at ?? s.recorded_at;
        return (
          <Text size="sm" title={at}>
            {formatTime(at)}
          </Text>
        );
      },
    },
    {
      label: 'UUID',
      w: 100,
      render: (s) => (
        <Text size="sm" ff="monospace" title={s.uuid} aria-label={`uuid ${s.uuid}`}>
          {shortUuid(s.uuid)}
        </Text>
      ),
    },
    {
      label: 'Status',
      w: 190,
      render: (s) => (
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
        </Group>
      ),
    },
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
                loading={replicate.isPending && replicate.variables?.snapshot_id === s.id}
                onClick={() => replicate.mutate({ snapshot_id: s.id })}
              >
                Replicate
              </Button>
            )}
            {s.managed ? (
              <Button
                size="xs"
                variant="light"
                color="red"
                aria-label={`Delete ${s.name}`}
                onClick={() => {
                  remove.reset();
                  setDeleting(s);
                }}
              >
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

  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby="snapshots-title">
      <Stack gap="sm">
        <Group justify="space-between" align="center" wrap="wrap">
          <Title order={3} size="h4" id="snapshots-title">
            Snapshots
          </Title>
          <Switch
            label="Show deleted and vanished"
            checked={includeGone}
            onChange={(e) => {
              setIncludeGone(e.currentTarget.checked);
              setPage(1);
            }}
          />
        </Group>
        {adopt.isError && <ErrorNotice title="Could not adopt the snapshot" error={adopt.error} />}
        {replicate.isError && <ErrorNotice title="Could not start the replication" error={replicate.error} />}
        {replicate.isSuccess && (
          <Alert color="teal" variant="light" role="status" withCloseButton onClose={() => replicate.reset()}>
            Replication to {replicate.data.targets.length} target{replicate.data.targets.length === 1 ? '' : 's'} started:
            follow it on the{' '}
            <Anchor component={Link} to="/replication" size="sm">
              Replication
            </Anchor>{' '}
            page.
          </Alert>
        )}
        {snapshots.isPending && <Skeleton h={160} />}
        {snapshots.isError && (
          <ErrorNotice title="Could not load snapshots" error={snapshots.error} onRetry={() => void snapshots.refetch()} />
        )}
        {snapshots.data && (
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
                minWidth={720}
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
      </Stack>
      <ConfirmDialog
        opened={deleting !== null}
        title="Delete this snapshot?"
        confirmLabel="Delete snapshot"
        danger
        loading={remove.isPending}
        error={remove.error}
        errorTitle="Could not delete the snapshot"
        onClose={() => setDeleting(null)}
        onConfirm={() => {
          if (deleting) remove.mutate(deleting, { onSuccess: () => setDeleting(null) });
        }}
      >
        <Text size="sm">
          <Mono>{deleting?.path}</Mono> will be deleted from the disk of{' '}
          {serverNames.get(subvolume.server_id) ?? 'its server'}. This cannot be undone.
        </Text>
      </ConfirmDialog>
    </Card>
  );
}
