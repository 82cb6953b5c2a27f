import { Card, Group, Stack, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A titled card of a page (a `<section>` named by its heading): the title on the left,
 * `extra` (a summary, a switch, buttons) on the right, the content below.
 */
export function Section({ id, title, extra, children }: { id: string; title: string; extra?: ReactNode; children: ReactNode }) {
  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby={id}>
      <Stack gap="sm">
        <Group justify="space-between" align="center" wrap="wrap">
          <Title order={3} size="h4" id={id}>
            {title}
          </Title>
          {extra}
        </Group>
        {children}
      </Stack>
    </Card>
  );
}
