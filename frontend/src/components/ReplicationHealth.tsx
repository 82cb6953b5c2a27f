// Replication health pieces shared by the Replication page and the Overview: the state
// badge, durations for people, and the fleet summary card.
import { Anchor, Badge, Card, Group, Skeleton, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { type HealthState, type HealthSummary, useReplicationHealth, useSubvolumeHealth } from '../api/replicationQueries';
import { t as translate } from '../i18n';
import { formatTime } from '../lib/format';
import { QueryState } from './QueryState';
import { useTranslation } from 'react-i18next';

// the words are components.json's health.<state>.label and .title
const BADGE_COLOR: Record<HealthState, string> = { ok: 'teal', late: 'orange', failing: 'red', never_replicated: 'gray' };

export function HealthBadge({ state }: { state: HealthState }) {
  const { t } = useTranslation(['components', 'common']);
  return (
    <Badge color={BADGE_COLOR[state]} variant="light" radius="sm" title={t(`health.${state}.title`)} data-testid="health-badge" data-state={state}>
      {t(`health.${state}.label`)}
    </Badge>
  );
}

/** Seconds for people: 45 s, 12 min, 3 h 5 min, 2 d 4 h. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return translate('components:duration.s', { s });
  const m = Math.floor(s / 60);
  if (m < 60) return translate('components:duration.min', { m });
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? translate('components:duration.hMin', { h, m: m % 60 }) : translate('components:duration.h', { h });
  const d = Math.floor(h / 24);
  return h % 24 ? translate('components:duration.dH', { d, h: h % 24 }) : translate('components:duration.d', { d });
}

export function SummaryBadges({ summary }: { summary: HealthSummary }) {
  const { t } = useTranslation(['components', 'common']);
  const parts: [HealthState, number][] = [
    ['ok', summary.ok],
    ['late', summary.late],
    ['failing', summary.failing],
    ['never_replicated', summary.never_replicated],
  ];
  return (
    <Group gap="xs" wrap="wrap" aria-label={t('health.summary')} data-testid="health-summary">
      {parts.map(([state, n]) => (
        <Badge
          key={state}
          color={n > 0 ? BADGE_COLOR[state] : 'gray'}
          variant={n > 0 ? 'filled' : 'outline'}
          radius="sm"
          data-testid={`summary-${state}`}
        >
          {t('health.summaryCount', { n, state: t(`health.${state}.label`) })}
        </Badge>
      ))}
    </Group>
  );
}

/** The Overview's card: how many (subvolume, target) pairs are OK / LATE / FAILING / NEVER. */
export function ReplicationHealthCard() {
  const { t } = useTranslation(['components', 'common']);
  const health = useReplicationHealth();
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="replication-health-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="replication-health-title">
          {t('health.title')}
        </Title>
        <Anchor component={Link} to="/replication" size="sm">
          {t('health.replication')}
        </Anchor>
      </Group>
      <QueryState query={health} errorTitle={t('health.failed')} skeleton={40}>
        {(data) =>
          data.summary.total === 0 ? (
            <Text size="sm" c="dimmed">
              {t('health.noTargetsYet')}
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
  const { t } = useTranslation(['components', 'common']);
  const health = useSubvolumeHealth(subvolumeId);
  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby="subvolume-replication-title">
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Title order={3} size="h4" id="subvolume-replication-title">
            {t('health.replication')}
          </Title>
          <Anchor component={Link} to="/replication" size="sm">
            {t('health.targetsAndHistory')}
          </Anchor>
        </Group>
        {health.isPending && <Skeleton h={40} />}
        {health.isError && (
          <Text size="sm" c="dimmed">
            {t('health.unavailable')}
          </Text>
        )}
        {health.data && (
          <>
            <Text size="sm" c="dimmed" data-testid="subvolume-rpo">
              {t(`health.rpo.${health.data.rpo.rpo_source}`, { rpo: formatDuration(health.data.rpo.rpo_seconds) })}
            </Text>
            {health.data.items.length === 0 && (
              <Text size="sm" c="dimmed">
                {t('health.noTargets')}
              </Text>
            )}
            {health.data.items.map((h) => (
              <Group key={h.target_id} gap="xs" wrap="wrap" data-testid="subvolume-target-health" data-state={h.state}>
                <HealthBadge state={h.state} />
                <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                  {h.server_name}:{h.directory}
                </Text>
                <Text size="xs" c="dimmed">
                  {h.newest_replica_snapshot
                    ? t('health.newest', { name: h.newest_replica_snapshot.name, lag: formatDuration(h.lag_seconds) })
                    : t('health.nothingReplicated')}
                  {h.last_success_at ? ` · ${t('health.lastSuccess', { at: formatTime(h.last_success_at) })}` : ''}
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
