import { Badge, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { AuditEvent } from '../api/client';
import { formatTime } from '../lib/format';
import { useTranslation } from 'react-i18next';

/** Audit events: a table on wide screens, a stacked list on phones (below Mantine's `sm`). */
export function EventTable({ events, caption }: { events: AuditEvent[]; caption: string }) {
  const narrow = useMediaQuery('(max-width: 47.99em)', false, { getInitialValueInEffect: false });
  return narrow ? <EventList events={events} caption={caption} /> : <EventRows events={events} caption={caption} />;
}

function TypeBadge({ type }: { type: string }) {
  return (
    <Badge variant="light" radius="sm" tt="none" fw={600}>
      {type}
    </Badge>
  );
}

function EventRows({ events, caption }: { events: AuditEvent[]; caption: string }) {
  const { t } = useTranslation(['components', 'common']);
  return (
    <Table.ScrollContainer minWidth={640} type="native">
      <Table striped highlightOnHover verticalSpacing="xs" aria-label={caption}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={215}>{t('eventTable.time')}</Table.Th>
            <Table.Th w={190}>{t('eventTable.type')}</Table.Th>
            <Table.Th>{t('eventTable.summary')}</Table.Th>
            <Table.Th w={140}>{t('eventTable.actor')}</Table.Th>
            <Table.Th w={70} ta="right">
              #
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {events.map((event) => (
            <Table.Tr
              key={event.seq}
              data-testid="event-row"
              data-event-type={event.event_type}
              data-seq={event.seq}
            >
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Text size="sm" title={event.recorded_at}>
                  {formatTime(event.recorded_at)}
                </Text>
              </Table.Td>
              <Table.Td>
                <TypeBadge type={event.event_type} />
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                  {event.summary}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" c="dimmed">
                  {event.actor}
                </Text>
              </Table.Td>
              <Table.Td ta="right">
                <Text size="sm" c="dimmed">
                  {event.seq}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function EventList({ events, caption }: { events: AuditEvent[]; caption: string }) {
  return (
    <Stack gap="xs" component="ul" aria-label={caption} p={0} m={0} style={{ listStyle: 'none' }}>
      {events.map((event) => (
        <Paper
          key={event.seq}
          component="li"
          withBorder
          p="sm"
          radius="sm"
          data-testid="event-row"
          data-event-type={event.event_type}
          data-seq={event.seq}
        >
          <Group justify="space-between" gap="xs" wrap="nowrap">
            <TypeBadge type={event.event_type} />
            <Text size="xs" c="dimmed" title={event.recorded_at} style={{ whiteSpace: 'nowrap' }}>
              {formatTime(event.recorded_at)}
            </Text>
          </Group>
          <Text size="sm" mt={6} style={{ overflowWrap: 'anywhere' }}>
            {event.summary}
          </Text>
          <Text size="xs" c="dimmed" mt={4}>
            {event.actor} · #{event.seq}
          </Text>
        </Paper>
      ))}
    </Stack>
  );
}
