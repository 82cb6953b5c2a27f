// Pieces the subvolume list and a subvolume's page share.
import { Text } from '@mantine/core';
import type { Subvolume } from '../../api/client';
import { useServers } from '../../api/queries';
import { formatTime } from '../../lib/format';
import { useTranslation } from 'react-i18next';

/** The last failed scheduled snapshot's error and when, or "none". */
export function SnapshotError({ subvolume }: { subvolume: Subvolume }) {
  const { t } = useTranslation('common');
  if (!subvolume.last_snapshot_error) return <Text size="sm" c="dimmed">{t('state.none')}</Text>;
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
export function useServerNames(): Map<string, string> {
  const servers = useServers();
  return new Map((servers.data ?? []).map((s) => [s.id, s.name]));
}
