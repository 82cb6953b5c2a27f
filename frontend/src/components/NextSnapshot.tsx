// When a policy's schedule next snapshots its subvolumes, in the user's own time zone, the
// zone named (the policy's cron may be in another).
import { Text } from '@mantine/core';
import { formatTime } from '../lib/format';

/** The browser's IANA time zone (what times are shown in). */
export function userTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

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
