// What is replicating now: per target the bytes sent, the rate and the ETA.
import { Group, Progress, Stack, Text } from '@mantine/core';
import { type Replication, type ReplicationTarget, type Target, isActive } from '../../api/replicationQueries';
import { formatDuration } from '../../components/ReplicationHealth';
import { Section } from '../../components/Section';
import { formatBytes, percent } from '../../lib/bytes';
import { shortUuid } from '../../lib/format';
import { rate, targetLabel } from './labels';
import { useTranslation } from 'react-i18next';

function TargetProgress({ t, label }: { t: ReplicationTarget; label: string }) {
  // `t` is the run's target here
  const { t: translate } = useTranslation(['replication', 'common']);
  const expected = t.expected_bytes ?? undefined;
  // without an estimate (no earlier send of this kind) a running send shows a moving bar
  const unknown = t.state === 'running' && !expected;
  const value = t.state === 'succeeded' || unknown ? 100 : expected ? percent(t.bytes, expected) : 0;
  return (
    <Stack gap={2} data-testid="progress-row" data-state={t.state}>
      <Group justify="space-between" gap="xs" wrap="wrap">
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {label}
        </Text>
        <Text size="xs" c="dimmed" data-testid="progress-figures">
          {translate(`replication:targetState.${t.state}`)} · {t.kind ? translate(`replication:kind.${t.kind}`) : '…'} ·{' '}
          {expected ? translate('replication:running.ofAbout', { bytes: formatBytes(t.bytes), expected: formatBytes(expected) }) : formatBytes(t.bytes)} ·{' '}
          {rate(t.rate_bytes_per_sec)}
          {t.eta_seconds !== undefined && t.eta_seconds !== null ? ` · ${translate('replication:running.eta', { eta: formatDuration(t.eta_seconds) })}` : ''}
        </Text>
      </Group>
      <Progress
        value={value}
        animated={t.state === 'running'}
        striped={unknown}
        color={t.state === 'failed' ? 'red' : t.state === 'succeeded' ? 'teal' : 'blue'}
        aria-label={translate('replication:running.progress', { target: label })}
      />
      {t.error && (
        <Text size="xs" c="red">
          {t.error}
        </Text>
      )}
    </Stack>
  );
}

export function RunningSection({ runs, targets, servers, subvolumes }: {
  runs: Replication[];
  targets: Map<string, Target>;
  servers: Map<string, string>;
  subvolumes: Map<string, string>;
}) {
  const { t: translate } = useTranslation(['replication', 'common']);
  const active = runs.filter(isActive);
  return (
    <Section id="running-title" title={translate('replication:running.title')}>
      {active.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="nothing-running">
          {translate('replication:running.nothing')}
        </Text>
      ) : (
        active.map((r) => (
          <Stack key={r.id} gap="xs" data-testid="running-replication">
            <Text size="sm" fw={600}>
              {translate('replication:running.run', {
                subvolume: subvolumes.get(r.subvolume_id) ?? shortUuid(r.subvolume_id),
                snapshot: shortUuid(r.snapshot_id),
                state: translate(`replication:runState.${r.state}`),
              })}
            </Text>
            {r.targets.map((t) => (
              <TargetProgress key={t.target_id} t={t} label={targetLabel(t.target_id, targets, servers)} />
            ))}
          </Stack>
        ))
      )}
    </Section>
  );
}
