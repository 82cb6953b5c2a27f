import { Anchor, Badge, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { lazy, type ReactNode, Suspense, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useFleetStatus, useHealth, useInstance, useMe, useRecentEvents } from '../api/queries';
import { EventTable } from '../components/EventTable';
import { FleetStatusCard } from '../components/FleetStatus';
import { QueryState } from '../components/QueryState';
import { RenameForm } from '../components/RenameForm';
import { ReplicationHealthCard } from '../components/ReplicationHealth';
import { formatTime } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';

// The storage charts (recharts) load after the status and health: not on the first paint.
const StorageOverview = lazy(() => import('../components/StorageOverview').then((m) => ({ default: m.StorageOverview })));

function Facts({ rows, label }: { rows: [string, ReactNode][]; label: string }) {
  return (
    <Table variant="vertical" layout="fixed" withTableBorder={false} aria-label={label}>
      <Table.Tbody>
        {rows.map(([name, value]) => (
          <Table.Tr key={name}>
            <Table.Th w={150} fw={500} c="dimmed" bg="transparent">
              {name}
            </Table.Th>
            <Table.Td style={{ overflowWrap: 'anywhere' }}>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function HealthCard() {
  const health = useHealth();
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="health-title">
      <Title order={2} size="h4" id="health-title" mb="sm">
        Service
      </Title>
      <QueryState query={health} errorTitle="Health check failed" skeleton={90}>
        {(data) => (
          <Facts
            label="Service"
            rows={[
              [
                'API',
                <Badge color={data.status === 'ok' ? 'teal' : 'orange'} variant="light" data-testid="health-status">
                  {data.status}
                </Badge>,
              ],
              ['Version', data.version],
              [
                'Database',
                <Text size="sm" c={data.database ? undefined : 'red'} data-testid="health-database">
                  {data.database ? 'reachable' : 'not reachable'}
                </Text>,
              ],
              ['Checked', `${new Date(health.dataUpdatedAt).toLocaleTimeString()} (every 30 s)`],
            ]}
          />
        )}
      </QueryState>
    </Card>
  );
}

function InstanceCard() {
  const instance = useInstance();
  const isAdmin = useMe().data?.role === 'admin';
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="instance-title">
      <Title order={2} size="h4" id="instance-title" mb="sm">
        Installation
      </Title>
      <QueryState query={instance} errorTitle="Could not load the installation" skeleton={140}>
        {(data) => (
          <Stack gap="md">
            <Facts
              label="Installation"
              rows={[
                ['Name', <span data-testid="instance-name">{data.name ?? <Text span c="dimmed" size="sm">not set</Text>}</span>],
                ['Id', <Text span ff="monospace" size="sm">{data.instance_id}</Text>],
                ['Version', data.software_version],
                ['Initialised at', <span title={data.initialized_at}>{formatTime(data.initialized_at)}</span>],
              ]}
            />
            {isAdmin ? (
              <RenameForm currentName={data.name} />
            ) : (
              <Text size="sm" c="dimmed">
                Only admins can rename the installation.
              </Text>
            )}
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}

function RecentEventsCard() {
  const events = useRecentEvents(10);
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="recent-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="recent-title">
          Recent events
        </Title>
        <Anchor component={Link} to="/events" size="sm">
          All events
        </Anchor>
      </Group>
      <QueryState query={events} errorTitle="Could not load events">
        {(data) =>
          data.items.length === 0 ? (
            <Text c="dimmed" size="sm">
              Nothing recorded yet.
            </Text>
          ) : (
            <EventTable events={data.items} caption="The 10 newest events" />
          )
        }
      </QueryState>
    </Card>
  );
}

export function OverviewPage() {
  useDocumentTitle('Overview');
  // The same query as the status card's (one request). The storage charts mount once the
  // status has been committed and painted: their lazy chunk then cannot hold that commit.
  const fleetStatus = useFleetStatus();
  const [showStorage, setShowStorage] = useState(false);
  useEffect(() => {
    if (fleetStatus.isPending || showStorage) return;
    const timer = setTimeout(() => setShowStorage(true), 0);
    return () => clearTimeout(timer);
  }, [fleetStatus.isPending, showStorage]);
  return (
    <Stack gap="md">
      <Title order={2}>Overview</Title>
      <FleetStatusCard />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <HealthCard />
        <InstanceCard />
      </SimpleGrid>
      <ReplicationHealthCard />
      {showStorage && (
        <Suspense fallback={null}>
          <StorageOverview />
        </Suspense>
      )}
      <RecentEventsCard />
    </Stack>
  );
}
