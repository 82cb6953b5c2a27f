import { Badge, Group, Stack, Text } from '@mantine/core';
import type { CheckResult } from '../../api/serverQueries';
import { useTranslation } from 'react-i18next';

/** The result of each server check, failed ones first in red. */
export function CheckList({ checks, label }: { checks: CheckResult[]; label: string }) {
  const { t } = useTranslation('servers');
  return (
    <Stack gap={4} component="ul" aria-label={label} p={0} m={0} style={{ listStyle: 'none' }}>
      {checks.map((c) => (
        <Group key={c.name} component="li" gap="xs" wrap="nowrap" align="flex-start" data-testid="check" data-ok={String(c.ok)}>
          <Badge color={c.ok ? 'teal' : 'red'} variant="light" radius="sm" tt="none" miw={56}>
            {c.ok ? t('check.ok') : t('check.failed')}
          </Badge>
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            <Text span ff="monospace" fw={500}>
              {c.name}
            </Text>{' '}
            — {c.detail}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}
