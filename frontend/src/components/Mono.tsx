import { Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** Paths, names and ids in running text: monospace, and long ones wrap anywhere. */
export function Mono({ children }: { children: ReactNode }) {
  return (
    <Text span size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
      {children}
    </Text>
  );
}
