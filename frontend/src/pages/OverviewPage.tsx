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
import { useTranslation } from 'react-i18next';

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

/** The statuses GET /health answers with (each a key of overview.json's `service.status`);
 *  any other is shown as the server sent it. */
const HEALTH_STATUSES = ['ok', 'degraded'] as const;
const isHealthStatus = (s: string): s is (typeof HEALTH_STATUSES)[number] => (HEALTH_STATUSES as readonly string[]).includes(s);

function HealthCard() {
  const { t } = useTranslation(['overview', 'common']);
  const health = useHealth();
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="health-title">
      <Title order={2} size="h4" id="health-title" mb="sm">
        {t('service.title')}
      </Title>
      <QueryState query={health} errorTitle={t('service.failed')} skeleton={90}>
        {(data) => (
          <Facts
            label={t('service.title')}
            rows={[
              [
                t('service.api'),
                <Badge color={data.status === 'ok' ? 'teal' : 'orange'} variant="light" data-testid="health-status" data-status={data.status}>
                  {isHealthStatus(data.status) ? t(`service.status.${data.status}`) : data.status}
                </Badge>,
              ],
              [t('service.version'), data.version],
              [
                t('service.database'),
                <Text size="sm" c={data.database ? undefined : 'red'} data-testid="health-database">
                  {data.database ? t('service.reachable') : t('service.unreachable')}
                </Text>,
              ],
              [t('service.checked'), t('service.checkedAt', { time: formatTime(health.dataUpdatedAt, { timeStyle: 'medium' }) })],
            ]}
          />
        )}
      </QueryState>
    </Card>
  );
}

function InstanceCard() {
  const { t } = useTranslation(['overview', 'common']);
  const instance = useInstance();
  const isAdmin = useMe().data?.role === 'admin';
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="instance-title">
      <Title order={2} size="h4" id="instance-title" mb="sm">
        {t('installation.title')}
      </Title>
      <QueryState query={instance} errorTitle={t('installation.failed')} skeleton={140}>
        {(data) => (
          <Stack gap="md">
            <Facts
              label={t('installation.title')}
              rows={[
                [t('common:noun.name'), <span data-testid="instance-name">{data.name ?? <Text span c="dimmed" size="sm">{t('installation.notSet')}</Text>}</span>],
                [t('installation.id'), <Text span ff="monospace" size="sm">{data.instance_id}</Text>],
                [t('service.version'), data.software_version],
                [t('installation.initialised'), <span title={data.initialized_at}>{formatTime(data.initialized_at)}</span>],
              ]}
            />
            {isAdmin ? (
              <RenameForm currentName={data.name} />
            ) : (
              <Text size="sm" c="dimmed">
                {t('installation.adminsOnly')}
              </Text>
            )}
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}

function RecentEventsCard() {
  const { t } = useTranslation(['overview', 'common']);
  const events = useRecentEvents(10);
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="recent-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="recent-title">
          {t('recent.title')}
        </Title>
        <Anchor component={Link} to="/events" size="sm">
          {t('recent.all')}
        </Anchor>
      </Group>
      <QueryState query={events} errorTitle={t('recent.failed')}>
        {(data) =>
          data.items.length === 0 ? (
            <Text c="dimmed" size="sm">
              {t('recent.nothing')}
            </Text>
          ) : (
            <EventTable events={data.items} caption={t('recent.caption')} />
          )
        }
      </QueryState>
    </Card>
  );
}

export function OverviewPage() {
  const { t } = useTranslation(['overview', 'common']);
  useDocumentTitle(t('title'));
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
      <Title order={2}>{t('title')}</Title>
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
