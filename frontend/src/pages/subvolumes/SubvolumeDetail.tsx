// One subvolume: its actions (snapshot now, sync with the disk, stop managing), facts,
// snapshot hooks, storage with its last 7 days (snapshot count, sizes, growth), replication
// health, the filesystems it lives on and is replicated to, and its snapshots.
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
import { HooksCard } from './HooksCard';
import { SnapshotsSection } from './SnapshotsSection';
import { Trans, useTranslation } from 'react-i18next';

/** The storage of the primary and of every server the subvolume is replicated to. */
function Filesystems({ subvolume }: { subvolume: Subvolume }) {
  const { t } = useTranslation(['subvolumes', 'common']);
  const targets = useTargets();
  const servers = [subvolume.server_id, ...(targets.data ?? []).filter((t) => t.subvolume_id === subvolume.id).map((t) => t.server_id)];
  return (
    <section aria-labelledby="subvolume-filesystems-title" data-testid="subvolume-filesystems">
      <Title order={3} size="h4" id="subvolume-filesystems-title" mb="sm">
        {t('detail.filesystems')}
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
  const { t } = useTranslation(['subvolumes', 'common']);
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
              {t('detail.noLonger')}
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
              {t('detail.create')}
            </Button>
            <Button
              variant="default"
              onClick={() => {
                create.reset();
                sync.mutate(subvolume.id);
              }}
              loading={sync.isPending}
            >
              {t('detail.sync')}
            </Button>
            <Button variant="outline" color="red" onClick={() => unmanaging.open(subvolume)}>
              {t('detail.stop')}
            </Button>
          </Group>
        )}
      </Group>

      <MutationNotice
        mutation={create}
        errorTitle={t('detail.createFailed')}
        success={(snapshot) => (
          <Trans t={t} i18nKey="detail.created" values={{ name: snapshot.name }} components={{ mono: <Mono>{null}</Mono> }} />
        )}
      />
      <MutationNotice
        mutation={sync}
        errorTitle={t('detail.syncFailed')}
        successTitle={t('detail.synced')}
        success={(report) => (
          <Text size="sm">
            {report.vanished.length === 0 && report.discovered.length === 0
              ? t('detail.matched')
              : t('detail.syncReport', { count: report.vanished.length, found: report.discovered.length })}
          </Text>
        )}
      />

      <Card withBorder padding="md" radius="md" component="section" aria-label={t('detail.details')}>
        <FactList
          label={t('detail.details')}
          facts={[
            [
              t('common:noun.server'),
              <Anchor component={Link} to={`/servers/${subvolume.server_id}`} size="sm">
                {serverNames.get(subvolume.server_id) ?? subvolume.server_id}
              </Anchor>,
            ],
            [t('common:noun.path'), <Mono>{subvolume.path}</Mono>],
            [t('list.snapshotDir'), <Mono>{subvolume.snapshot_dir}</Mono>],
            [t('detail.uuid'), <Mono>{subvolume.btrfs_uuid}</Mono>],
            [t('detail.managedSince'), formatTime(subvolume.managed_at)],
            [
              t('common:noun.policy'),
              policy ? (
                <Anchor component={Link} to={`/policies/${policy.id}`} size="sm">
                  {policy.name}
                </Anchor>
              ) : (
                <Text span size="sm" c="dimmed">
                  {t('detail.noPolicy')}
                </Text>
              ),
            ],
            ...(policy ? [[t('detail.next'), <NextSnapshot at={policy.next_snapshot_at} replicate={policy.replicate_after_snapshot} />] as [string, ReactNode]] : []),
            ...(subvolume.unmanaged_at ? [[t('detail.unmanagedAt'), formatTime(subvolume.unmanaged_at)] as [string, string]] : []),
            [t('list.lastError'), <SnapshotError subvolume={subvolume} />],
          ]}
        />
      </Card>

      <HooksCard subvolume={subvolume} />

      <SubvolumeStorage subvolumeId={subvolume.id} />

      {subvolume.managed && <SubvolumeHistory subvolumeId={subvolume.id} />}

      <SubvolumeReplication subvolumeId={subvolume.id} />

      <Filesystems subvolume={subvolume} />

      {/* keyed: another subvolume starts on its first page, not at this one's cursor */}
      <SnapshotsSection key={subvolume.id} subvolume={subvolume} canOperate={canOperate} />

      <ConfirmDialog
        {...unmanaging.dialog}
        title={t('detail.stopTitle')}
        confirmLabel={t('detail.stop')}
        danger
        errorTitle={t('detail.stopFailed')}
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
          <Trans t={t} i18nKey="detail.stopText" values={{ path: subvolume.path }} components={{ mono: <Mono>{null}</Mono> }} />
        </Text>
        <Text size="sm">{t('detail.stopKeeps')}</Text>
      </ConfirmDialog>
    </>
  );
}
