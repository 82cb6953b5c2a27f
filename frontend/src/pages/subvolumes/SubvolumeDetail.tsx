// One subvolume: its actions (snapshot now, sync with the disk, stop managing), facts,
// storage with its last 7 days (snapshot count, sizes, growth), replication health, the
// filesystems it lives on and is replicated to, and its snapshots.
import { Anchor, Badge, Button, Card, Group, SimpleGrid, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Subvolume } from '../../api/client';
import { useCanOperate, useCreateSnapshot, useSyncSubvolume, useUnmanageSubvolume } from '../../api/queries';
import { usePolicies } from '../../api/policyQueries';
import { useTargets } from '../../api/replicationQueries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { NextSnapshot } from '../../components/NextSnapshot';
import { FactList } from '../../components/FactList';
import { Mono } from '../../components/Mono';
import { MutationNotice } from '../../components/MutationNotice';
import { SubvolumeReplication } from '../../components/ReplicationHealth';
import { StorageCard } from '../../components/StorageCard';
import { SubvolumeHistory } from '../../components/SubvolumeHistory';
import { SubvolumeStorage } from '../../components/SubvolumeStorage';
import { formatTime } from '../../lib/format';
import { useConfirm } from '../../lib/useConfirm';
import { SnapshotError, useServerNames } from './common';
import { SnapshotsSection } from './SnapshotsSection';

/** The storage of the primary and of every server the subvolume is replicated to. */
function Filesystems({ subvolume }: { subvolume: Subvolume }) {
  const targets = useTargets();
  const servers = [subvolume.server_id, ...(targets.data ?? []).filter((t) => t.subvolume_id === subvolume.id).map((t) => t.server_id)];
  return (
    <section aria-labelledby="subvolume-filesystems-title" data-testid="subvolume-filesystems">
      <Title order={3} size="h4" id="subvolume-filesystems-title" mb="sm">
        Filesystems involved
      </Title>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {[...new Set(servers)].map((id) => (
          <StorageCard key={id} serverId={id} compact />
        ))}
      </SimpleGrid>
    </section>
  );
}

export function SubvolumeDetail({ subvolume }: { subvolume: Subvolume }) {
  const canOperate = useCanOperate() && subvolume.managed;
  const serverNames = useServerNames();
  const navigate = useNavigate();
  const create = useCreateSnapshot();
  const sync = useSyncSubvolume();
  const unmanage = useUnmanageSubvolume();
  const unmanaging = useConfirm<Subvolume>(unmanage);
  const policy = usePolicies().data?.find((p) => p.subvolumes.includes(subvolume.id));

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
            <Button variant="outline" color="red" onClick={() => unmanaging.open(subvolume)}>
              Stop managing
            </Button>
          </Group>
        )}
      </Group>

      <MutationNotice
        mutation={create}
        errorTitle="Could not create a snapshot"
        success={(snapshot) => (
          <>
            Created snapshot <Mono>{snapshot.name}</Mono>.
          </>
        )}
      />
      <MutationNotice
        mutation={sync}
        errorTitle="Could not sync with the disk"
        successTitle="Synced with the disk"
        success={(report) => (
          <Text size="sm">
            {report.vanished.length === 0 && report.discovered.length === 0
              ? 'The catalog already matched the disk.'
              : `${report.vanished.length} snapshot${report.vanished.length === 1 ? '' : 's'} found gone, ${
                  report.discovered.length
                } found on disk and catalogued as unmanaged.`}
          </Text>
        )}
      />

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
            [
              'Policy',
              policy ? (
                <Anchor component={Link} to={`/policies/${policy.id}`} size="sm">
                  {policy.name}
                </Anchor>
              ) : (
                <Text span size="sm" c="dimmed">
                  none: snapshots only when asked
                </Text>
              ),
            ],
            ...(policy ? [['Next snapshot', <NextSnapshot at={policy.next_snapshot_at} replicate={policy.replicate_after_snapshot} />] as [string, ReactNode]] : []),
            ...(subvolume.unmanaged_at ? [['Unmanaged at', formatTime(subvolume.unmanaged_at)] as [string, string]] : []),
            ['Last snapshot error', <SnapshotError subvolume={subvolume} />],
          ]}
        />
      </Card>

      <SubvolumeStorage subvolumeId={subvolume.id} />

      {subvolume.managed && <SubvolumeHistory subvolumeId={subvolume.id} />}

      <SubvolumeReplication subvolumeId={subvolume.id} />

      <Filesystems subvolume={subvolume} />

      <SnapshotsSection subvolume={subvolume} canOperate={canOperate} />

      <ConfirmDialog
        {...unmanaging.dialog}
        title="Stop managing this subvolume?"
        confirmLabel="Stop managing"
        danger
        errorTitle="Could not stop managing"
        onConfirm={() =>
          unmanage.mutate(subvolume.id, {
            onSuccess: () => {
              unmanaging.close();
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
