// A snapshot's size as btrfs quotas measure it (its exclusive bytes), or a plain
// "unknown – quotas off" when nothing measured it: never a made-up 0 B.
import { Text } from '@mantine/core';
import { formatBytes } from '../lib/bytes';
import { useTranslation } from 'react-i18next';

export function SnapshotSize({ bytes }: { bytes: number | null | undefined }) {
  const { t } = useTranslation(['components', 'common']);
  if (bytes == null)
    return (
      <Text size="sm" c="dimmed" title={t('snapshotSize.unknownTitle')}>
        {t('quotasOff')}
      </Text>
    );
  return (
    <Text size="sm" title={t('snapshotSize.title')}>
      {formatBytes(bytes)}
    </Text>
  );
}
