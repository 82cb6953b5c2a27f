import { Button, Card, Group, NativeSelect, Skeleton, Stack, Text, Title } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useTimeline } from '../api/queries';
import { ErrorNotice } from '../components/ErrorNotice';
import { EventTable } from '../components/EventTable';
import { useDocumentTitle } from '../lib/useDocumentTitle';

const ALL = '';

/** The audit timeline, newest first, with "Load older" paging and a type filter. */
export function EventsPage() {
  useDocumentTitle('Events');
  const timeline = useTimeline();
  const [type, setType] = useState(ALL);

  const loaded = useMemo(() => timeline.data?.pages.flatMap((p) => p.items) ?? [], [timeline.data]);
  const types = useMemo(() => [...new Set(loaded.map((e) => e.event_type))].sort(), [loaded]);
  const shown = type === ALL ? loaded : loaded.filter((e) => e.event_type === type);

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={2}>Events</Title>
        <Group gap="sm" align="flex-end" wrap="wrap">
          <NativeSelect
            label="Event type"
            value={type}
            onChange={(e) => setType(e.currentTarget.value)}
            data={[{ value: ALL, label: 'All types' }, ...types.map((t) => ({ value: t, label: t }))]}
            w={220}
          />
          <Button variant="default" onClick={() => void timeline.refetch()} loading={timeline.isRefetching && !timeline.isFetchingNextPage}>
            Refresh
          </Button>
        </Group>
      </Group>

      <Card withBorder padding="md" radius="md">
        {timeline.isPending && <Skeleton h={200} />}
        {timeline.isError && !timeline.data && (
          <ErrorNotice title="Could not load events" error={timeline.error} onRetry={() => void timeline.refetch()} />
        )}
        {timeline.data && (
          <Stack gap="sm">
            <Text size="sm" c="dimmed" role="status" data-testid="events-count">
              {type === ALL
                ? `${loaded.length} event${loaded.length === 1 ? '' : 's'} loaded`
                : `${shown.length} of ${loaded.length} loaded events are ${type}`}
            </Text>
            {shown.length > 0 ? (
              <EventTable events={shown} caption="Audit timeline" />
            ) : (
              <Text c="dimmed" size="sm">
                {loaded.length === 0 ? 'Nothing recorded yet.' : 'No loaded event has this type. Load older events to look further back.'}
              </Text>
            )}
            {timeline.isFetchNextPageError && (
              <ErrorNotice title="Could not load older events" error={timeline.error} />
            )}
            <Group justify="center">
              {timeline.hasNextPage ? (
                <Button variant="light" onClick={() => void timeline.fetchNextPage()} loading={timeline.isFetchingNextPage}>
                  Load older
                </Button>
              ) : (
                loaded.length > 0 && (
                  <Text size="sm" c="dimmed">
                    This is the beginning of the timeline.
                  </Text>
                )
              )}
            </Group>
          </Stack>
        )}
      </Card>
    </Stack>
  );
}
