// Health per (subvolume, target): state, newest snapshots, lag against the RPO, last
// success and last failure.
import { Anchor, Badge, Group, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import { type TargetHealth, useReplicationHealth } from '../../api/replicationQueries';
import { Mono } from '../../components/Mono';
import { QueryState } from '../../components/QueryState';
import { HealthBadge, SummaryBadges, formatDuration } from '../../components/ReplicationHealth';
import { ResponsiveTable, type Column } from '../../components/ResponsiveTable';
import { Section } from '../../components/Section';
import { Time } from '../../components/Time';
import { formatBytes } from '../../lib/bytes';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { rate } from './labels';

type T = TFunction<['replication', 'components', 'common']>;

const columns = (t: T): Column<TargetHealth>[] => [
  {
    label: t('replication:health.pair'),
    w: 200,
    bare: true,
    render: (h) => (
      <Stack gap={0}>
        <Anchor component={Link} to={`/subvolumes/${h.subvolume_id}`} size="sm" fw={600}>
          {h.subvolume_name}
        </Anchor>
        <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
          → {h.server_name}:{h.directory}
        </Text>
      </Stack>
    ),
  },
  {
    label: t('replication:health.state'),
    w: 110,
    render: (h) => (
      <Group gap={4}>
        <HealthBadge state={h.state} />
        {h.in_flight && (
          <Badge variant="dot" color="blue" radius="sm" tt="none">
            {t('replication:health.running')}
          </Badge>
        )}
      </Group>
    ),
  },
  {
    label: t('replication:health.newest'),
    w: 230,
    render: (h) => (
      <Stack gap={0}>
        <Mono>{h.newest_primary_snapshot?.name ?? '—'}</Mono>
        <Mono>{h.newest_replica_snapshot?.name ?? t('replication:health.nothingOnTarget')}</Mono>
      </Stack>
    ),
  },
  {
    label: t('replication:health.lagAgeRpo'),
    w: 150,
    render: (h) => (
      <Text size="sm" data-testid="health-lag">
        {h.rpo_source === 'set'
          ? t('replication:health.lagLine', { lag: formatDuration(h.lag_seconds), age: formatDuration(h.replica_age_seconds), rpo: formatDuration(h.rpo_seconds) })
          : t('replication:health.lagLineSource', {
              lag: formatDuration(h.lag_seconds),
              age: formatDuration(h.replica_age_seconds),
              rpo: formatDuration(h.rpo_seconds),
              source: t(`replication:rpoSource.${h.rpo_source}`),
            })}
      </Text>
    ),
  },
  {
    label: t('replication:health.lastSuccess'),
    w: 190,
    render: (h) => (
      <Stack gap={0}>
        <Time at={h.last_success_at} />
        {h.last_transfer_bytes !== undefined && h.last_transfer_bytes !== null && (
          <Text size="xs" c="dimmed">
            {h.last_transfer_kind ? t(`replication:kind.${h.last_transfer_kind}`) : ''} · {formatBytes(h.last_transfer_bytes)} · {rate(h.last_transfer_throughput_bytes_per_sec)}
          </Text>
        )}
      </Stack>
    ),
  },
  {
    label: t('replication:health.lastFailure'),
    w: 220,
    render: (h) =>
      h.last_failure_at ? (
        <Stack gap={0}>
          <Time at={h.last_failure_at} />
          <Text size="xs" c="red" style={{ overflowWrap: 'anywhere' }}>
            {h.last_error_class ? `${h.last_error_class}: ` : ''}
            {h.last_error}
          </Text>
        </Stack>
      ) : (
        <Text size="sm" c="dimmed">
          {t('common:state.none')}
        </Text>
      ),
  },
];

export function HealthSection() {
  const { t } = useTranslation(['replication', 'components', 'common']);
  const health = useReplicationHealth();
  return (
    <Section id="health-title" title={t('replication:health.title')} extra={health.data && <SummaryBadges summary={health.data.summary} />}>
      <QueryState query={health} errorTitle={t('components:health.failed')} skeleton={80}>
        {(data) => (
          <ResponsiveTable
            rows={data.items}
            columns={columns(t)}
            rowKey={(h) => h.target_id}
            caption={t('replication:health.caption')}
            rowProps={(h) => ({ 'data-testid': 'health-row', 'data-state': h.state, 'data-target': h.target_id })}
            minWidth={980}
            empty={t('replication:health.empty')}
          />
        )}
      </QueryState>
    </Section>
  );
}
