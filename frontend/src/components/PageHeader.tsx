import { Group, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A page's heading with its page-wide actions (e.g. "New user") on the right. */
export function PageHeader({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <Group justify="space-between" align="flex-end" wrap="wrap">
      <Title order={2}>{title}</Title>
      {children}
    </Group>
  );
}
