// Replication health pieces shared by the Replication page and the Overview: the state
// badge, durations for people, and the fleet summary card.
import { Anchor, Badge, Card, Group, Skeleton, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { type HealthState, type HealthSummary, useReplicationHealth, useSubvolumeHealth } from '../api/replicationQueries';
import { formatTime } from '../lib/format';
import { QueryState } from './QueryState';

const BADGE: Record<HealthState, { label: string; color: string; title: string }> = {
  ok: { label: 'OK', color: 'teal', title: 'A replica newer than the RPO is on the target' },
  late: { label: 'LATE', color: 'orange', title: 'The newest replica is older than the RPO' },
  failing: { label: 'FAILING', color: 'red', title: 'The last attempt failed and nothing succeeded since' },
  never_replicated: { label: 'NEVER', color: 'gray', title: 'Nothing was replicated to this target yet' },
};

export function HealthBadge({ state }: { state: HealthState }) {
  const b = BADGE[state];
  return (
    <Badge color={b.color} variant="light" radius="sm" title={b.title} data-testid="health-badge" data-state={state}>
      {b.label}
    </Badge>
  );
}

/** Seconds for people: 45 s, 12 min, 3 h 5 min, 2 d 4 h. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

export function SummaryBadges({ summary }: { summary: HealthSummary }) {
  const parts: [HealthState, number][] = [
    ['ok', summary.ok],
    ['late', summary.late],
    ['failing', summary.failing],
    ['never_replicated', summary.never_replicated],
  ];
  return (
    <Group gap="xs" wrap="wrap" aria-label="Replication health summary" data-testid="health-summary">
      {parts.map(([state, n]) => (
        <Badge
          key={state}
          color={n > 0 ? BADGE[state].color : 'gray'}
          variant={n > 0 ? 'filled' : 'outline'}
          radius="sm"
          data-testid={`summary-${state}`}
        >
          {n} {BADGE[state].label}
        </Badge>
      ))}
    </Group>
  );
}

/** The Overview's card: how many (subvolume, target) pairs are OK / LATE / FAILING / NEVER. */
export function ReplicationHealthCard() {
  const health = useReplicationHealth();
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="replication-health-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="replication-health-title">
          Replication health
        </Title>
        <Anchor component={Link} to="/replication" size="sm">
          Replication
        </Anchor>
      </Group>
      <QueryState query={health} errorTitle="Could not load replication health" skeleton={40}>
        {(data) =>
          data.summary.total === 0 ? (
            <Text size="sm" c="dimmed">
              No replication targets yet.
            </Text>
          ) : (
            <>
              <SummaryBadges summary={data.summary} />
              {data.items
                .filter((i) => i.state === 'failing' || i.state === 'late')
                .map((i) => (
                  <Text key={i.target_id} size="sm" mt={6} data-testid="health-alert">
                    <HealthBadge state={i.state} /> {i.subvolume_name} → {i.server_name}:{i.directory}
                    {i.last_error && i.state === 'failing' ? `: ${i.last_error}` : ''}
                  </Text>
                ))}
            </>
          )
        }
      </QueryState>
    </Card>
  );
}

/** A subvolume page's card: its RPO and the health of each of its targets. */
export function SubvolumeReplication({ subvolumeId }: { subvolumeId: string }) {
  const health = useSubvolumeHealth(subvolumeId);
  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby="subvolume-replication-title">
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Title order={3} size="h4" id="subvolume-replication-title">
            Replication
          </Title>
          <Anchor component={Link} to="/replication" size="sm">
            Targets and history
          </Anchor>
        </Group>
        {health.isPending && <Skeleton h={40} />}
        {health.isError && (
          <Text size="sm" c="dimmed">
            Replication health is not available.
          </Text>
        )}
        {health.data && (
          <>
            <Text size="sm" c="dimmed" data-testid="subvolume-rpo">
              RPO {formatDuration(health.data.rpo.rpo_seconds)} (
              {health.data.rpo.rpo_source === 'set' ? 'set by an operator' : `default: ${health.data.rpo.rpo_source === 'schedule' ? 'twice the schedule interval' : 'no policy'}`})
            </Text>
            {health.data.items.length === 0 && (
              <Text size="sm" c="dimmed">
                No replication targets.
              </Text>
            )}
            {health.data.items.map((h) => (
              <Group key={h.target_id} gap="xs" wrap="wrap" data-testid="subvolume-target-health" data-state={h.state}>
                <HealthBadge state={h.state} />
                <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                  {h.server_name}:{h.directory}
                </Text>
                <Text size="xs" c="dimmed">
                  {h.newest_replica_snapshot ? `newest ${h.newest_replica_snapshot.name}, lag ${formatDuration(h.lag_seconds)}` : 'nothing replicated'}
                  {h.last_success_at ? ` · last success ${formatTime(h.last_success_at)}` : ''}
                  {h.state === 'failing' && h.last_error ? ` · ${h.last_error}` : ''}
                </Text>
              </Group>
            ))}
          </>
        )}
      </Stack>
    </Card>
  );
}
