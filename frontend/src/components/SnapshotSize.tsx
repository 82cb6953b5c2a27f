// A snapshot's size as btrfs quotas measure it (its exclusive bytes), or a plain
// "unknown – quotas off" when nothing measured it: never a made-up 0 B.
import { Text } from '@mantine/core';
import { formatBytes } from '../lib/bytes';

export function SnapshotSize({ bytes }: { bytes: number | null | undefined }) {
  if (bytes == null)
    return (
      <Text size="sm" c="dimmed" title="Measured by btrfs quotas (qgroups); turn on qgroup collection for the server to see it">
        unknown – quotas off
      </Text>
    );
  return (
    <Text size="sm" title="Exclusive: the bytes only this snapshot holds (freed when it is deleted)">
      {formatBytes(bytes)}
    </Text>
  );
}
