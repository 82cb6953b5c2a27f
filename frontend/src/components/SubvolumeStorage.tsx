import { Card, Skeleton, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { errorMessage } from '../api/problem';
import { useSubvolumeStorage } from '../api/storage';
import { formatBytes } from '../lib/bytes';
import { formatTime } from '../lib/format';
import { FactList } from './FactList';

/** A subvolume's size and snapshot overhead (from qgroups, when the server collects them) and its snapshot count. */
export function SubvolumeStorage({ subvolumeId }: { subvolumeId: string }) {
  const storage = useSubvolumeStorage(subvolumeId);
  const s = storage.data;
  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby="subvolume-storage-title">
      <Title order={3} size="h5" id="subvolume-storage-title" mb="sm">
        Storage
      </Title>
      {storage.isPending && <Skeleton h={60} />}
      {storage.isError && (
        <Text size="sm" c="dimmed">
          Storage figures unavailable: {errorMessage(storage.error)}
        </Text>
      )}
      {s && (
        <FactList
          label="Subvolume storage"
          facts={[
            ['Snapshots', <span data-testid="subvolume-snapshot-count">{s.snapshots}</span>],
            ...(s.referenced_bytes == null
              ? ([
                  [
                    'Size',
                    <Text span size="sm" c="dimmed">
                      unknown: sizes come from btrfs quotas (qgroups), which this server does not collect
                    </Text>,
                  ],
                ] as [string, ReactNode][])
              : ([
                  ['Referenced', <span data-testid="subvolume-referenced">{formatBytes(s.referenced_bytes)}</span>],
                  ['Exclusive', formatBytes(s.exclusive_bytes)],
                  [
                    'Snapshot overhead',
                    <span data-testid="subvolume-snapshot-overhead">
                      {formatBytes(s.snapshot_exclusive_bytes ?? 0)} exclusive in {s.snapshots_measured} snapshot
                      {s.snapshots_measured === 1 ? '' : 's'}
                    </span>,
                  ],
                  ...(s.sampled_at ? [['Measured', formatTime(s.sampled_at)] as [string, string]] : []),
                ] as [string, ReactNode][])),
          ]}
        />
      )}
    </Card>
  );
}
