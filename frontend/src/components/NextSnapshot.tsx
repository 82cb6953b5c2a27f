// When a policy's schedule next snapshots its subvolumes, in the user's own time zone, the
// zone named (the policy's cron may be in another).
import { Text } from '@mantine/core';
import { formatTime, userTimeZone } from '../lib/format';
import { useTranslation } from 'react-i18next';

export function NextSnapshot({ at, replicate }: { at: string | null | undefined; replicate: boolean }) {
  const { t } = useTranslation('components');
  if (!at) {
    return (
      <Text span size="sm" c="dimmed" data-testid="next-snapshot">
        {t('nextSnapshot.none')}
      </Text>
    );
  }
  return (
    <Text span size="sm" title={at} data-testid="next-snapshot">
      {t(replicate ? 'nextSnapshot.thenPruneReplicate' : 'nextSnapshot.thenPrune', { at: formatTime(at), zone: userTimeZone() })}
    </Text>
  );
}
