import { Text } from '@mantine/core';
import { formatTime } from '../lib/format';

/** A timestamp for people, its ISO form in the title; "never" when there is none. */
export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <Text span size="sm" c="dimmed">never</Text>;
  return (
    <Text span size="sm" title={at}>
      {formatTime(at)}
    </Text>
  );
}
