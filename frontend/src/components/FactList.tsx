import { Group, Stack, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { ReactNode } from 'react';

/** Name/value pairs: side by side on wide screens, the name above its value on phones. */
export function FactList({ facts, label }: { facts: [string, ReactNode][]; label: string }) {
  const narrow = useMediaQuery('(max-width: 47.99em)', false, { getInitialValueInEffect: false });
  return (
    <Stack gap={narrow ? 8 : 6} component="dl" aria-label={label} m={0}>
      {facts.map(([name, value]) => (
        <Group key={name} gap={narrow ? 0 : 'md'} align="flex-start" wrap={narrow ? 'wrap' : 'nowrap'}>
          <Text component="dt" size={narrow ? 'xs' : 'sm'} c="dimmed" w={narrow ? '100%' : 150} style={{ flexShrink: 0 }}>
            {name}
          </Text>
          <Text component="dd" size="sm" m={0} style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
            {value}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}
