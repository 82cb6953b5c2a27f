// When a policy's schedule next snapshots its subvolumes, in the user's own time zone, the
// zone named (the policy's cron may be in another).
import { Text } from '@mantine/core';
import { formatTime, userTimeZone } from '../lib/format';

export function NextSnapshot({ at, replicate }: { at: string | null | undefined; replicate: boolean }) {
  if (!at) {
    return (
      <Text span size="sm" c="dimmed" data-testid="next-snapshot">
        none: the schedule does not fire again
      </Text>
    );
  }
  return (
    <Text span size="sm" title={at} data-testid="next-snapshot">
      {formatTime(at)} ({userTimeZone()}), then prune{replicate ? ' and replicate' : ''}
    </Text>
  );
}
