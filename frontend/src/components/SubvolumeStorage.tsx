import { Card, Skeleton, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { errorMessage } from '../api/problem';
import { useSubvolumeStorage } from '../api/storage';
import { formatBytes } from '../lib/bytes';
import { formatNumber, formatTime } from '../lib/format';
import { FactList } from './FactList';
import { useTranslation } from 'react-i18next';

/** A subvolume's size and snapshot overhead (from qgroups, when the server collects them) and its snapshot count. */
export function SubvolumeStorage({ subvolumeId }: { subvolumeId: string }) {
  const { t } = useTranslation(['components', 'common']);
  const storage = useSubvolumeStorage(subvolumeId);
  const s = storage.data;
  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby="subvolume-storage-title">
      <Title order={3} size="h5" id="subvolume-storage-title" mb="sm">
        {t('storage.title')}
      </Title>
      {storage.isPending && <Skeleton h={60} />}
      {storage.isError && (
        <Text size="sm" c="dimmed">
          {t('subvolumeStorage.unavailable', { error: errorMessage(storage.error) })}
        </Text>
      )}
      {s && (
        <FactList
          label={t('subvolumeStorage.label')}
          facts={[
            [t('history.snapshots'), <span data-testid="subvolume-snapshot-count">{formatNumber(s.snapshots)}</span>],
            ...(s.referenced_bytes == null
              ? ([
                  [
                    t('common:noun.size'),
                    <Text span size="sm" c="dimmed">
                      {t('subvolumeStorage.unknown')}
                    </Text>,
                  ],
                ] as [string, ReactNode][])
              : ([
                  [t('subvolumeStorage.referenced'), <span data-testid="subvolume-referenced">{formatBytes(s.referenced_bytes)}</span>],
                  [t('subvolumeStorage.exclusive'), formatBytes(s.exclusive_bytes)],
                  [
                    t('subvolumeStorage.overhead'),
                    <span data-testid="subvolume-snapshot-overhead">
                      {t('subvolumeStorage.overheadValue', { bytes: formatBytes(s.snapshot_exclusive_bytes ?? 0), count: s.snapshots_measured })}
                    </span>,
                  ],
                  ...(s.sampled_at ? [[t('subvolumeStorage.measured'), formatTime(s.sampled_at)] as [string, string]] : []),
                ] as [string, ReactNode][])),
          ]}
        />
      )}
    </Card>
  );
}
