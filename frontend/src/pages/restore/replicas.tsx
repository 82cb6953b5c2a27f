// What the snapshot page, the restore dialog and the target page show of a replica: its
// last verification (OK / DIFFERS, with the differences), its target's replication health,
// and a snapshot's replicas as a section.
import { Anchor, Badge, Group, List, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { type TargetHealth, useSubvolumeHealth } from '../../api/replicationQueries';
import { type Replica, useSnapshotReplicas } from '../../api/restoreQueries';
import { Mono } from '../../components/Mono';
import { QueryState } from '../../components/QueryState';
import { HealthBadge, formatDuration } from '../../components/ReplicationHealth';
import { type Column, ResponsiveTable } from '../../components/ResponsiveTable';
import { Section } from '../../components/Section';
import { Time } from '../../components/Time';
import { formatNumber, formatTime } from '../../lib/format';

/** The page browsing a replica's files. */
export const replicaHref = (r: Pick<Replica, 'id' | 'target_id'>) => `/replication/targets/${r.target_id}/replicas/${r.id}`;

/** How many differences a verification lists before "and N more". */
const MISMATCHES_SHOWN = 20;

/** The last verification against the source snapshot: OK or DIFFERS (with the differences
 *  when `detailed`), how many files were compared and when; or "not verified yet". */
export function ReplicaVerification({ replica: r, detailed = false, label }: { replica: Replica; detailed?: boolean; label?: string }) {
  const { t } = useTranslation(['restore', 'common']);
  const v = r.verification;
  const lead = label && (
    <Text size="xs" c="dimmed" w={80}>
      {label}
    </Text>
  );
  if (!v) {
    return (
      <Group gap={6} data-testid="verification" data-ok="none">
        {lead}
        <Text size="sm" c="dimmed">
          {t('verification.notYet')}
        </Text>
      </Group>
    );
  }
  const extra = v.mismatches.length - MISMATCHES_SHOWN;
  return (
    <Stack gap={2} data-testid="verification" data-ok={String(v.ok)}>
      <Group gap={6} wrap="wrap">
        {lead}
        <Badge variant="light" color={v.ok ? 'teal' : 'red'} radius="sm" title={v.ok ? t('verification.matches') : t('verification.differsTitle')}>
          {v.ok ? t('verification.ok') : t('verification.differs')}
        </Badge>
        <Text size="xs" c="dimmed" title={v.verified_at}>
          {v.sample_percent < 100
            ? t('verification.comparedSample', { count: v.files_compared, sample: formatNumber(v.sample_percent) })
            : t('verification.compared', { count: v.files_compared })}{' '}
          · {formatTime(v.verified_at)}
        </Text>
      </Group>
      {!v.ok && !detailed && v.mismatches.length > 0 && (
        <Text size="xs" c="red">
          {t('verification.differences', { count: v.mismatches.length })}
        </Text>
      )}
      {!v.ok && detailed && v.mismatches.length > 0 && (
        <List size="xs" spacing={0} aria-label={t('verification.differencesOf', { path: r.path })}>
          {v.mismatches.slice(0, MISMATCHES_SHOWN).map((m) => (
            <List.Item key={m}>
              <Mono>{m}</Mono>
            </List.Item>
          ))}
          {extra > 0 && <List.Item>{t('verification.more', { count: extra })}</List.Item>}
        </List>
      )}
    </Stack>
  );
}

/** A target's replication health in one line: the badge, its newest replica and lag. */
export function TargetHealthLine({ health: h, label }: { health: TargetHealth | undefined; label?: string }) {
  const { t } = useTranslation(['restore', 'components', 'common']);
  const lead = label && (
    <Text size="xs" c="dimmed" w={80}>
      {label}
    </Text>
  );
  if (!h) {
    return (
      <Group gap={6}>
        {lead}
        <Text size="xs" c="dimmed">
          {t('health.unknown')}
        </Text>
      </Group>
    );
  }
  return (
    <Group gap={6} wrap="wrap" data-testid="target-health" data-state={h.state}>
      {lead}
      <HealthBadge state={h.state} />
      <Text size="xs" c="dimmed">
        {h.newest_replica_snapshot
          ? t('components:health.newest', { name: h.newest_replica_snapshot.name, lag: formatDuration(h.lag_seconds) })
          : t('components:health.nothingReplicated')}
        {h.state === 'failing' && h.last_error ? ` · ${h.last_error}` : ''}
      </Text>
    </Group>
  );
}

/** target id -> its replication health, for one subvolume's targets. */
export function useTargetHealth(subvolumeId: string): Map<string, TargetHealth> {
  const health = useSubvolumeHealth(subvolumeId);
  return new Map((health.data?.items ?? []).map((h) => [h.target_id, h]));
}

/** A snapshot's replicas: target, its health, when received, the last verification, Browse. */
export function SnapshotReplicas({
  snapshotId,
  subvolumeId,
  label,
  canBrowse,
}: {
  snapshotId: string;
  subvolumeId: string;
  label: (r: Replica) => string;
  canBrowse: boolean;
}) {
  const { t } = useTranslation(['restore', 'common']);
  const replicas = useSnapshotReplicas(snapshotId);
  const health = useTargetHealth(subvolumeId);
  const columns: Column<Replica>[] = [
    { label: t('common:noun.target'), bare: true, render: (r) => <Mono>{label(r)}</Mono> },
    { label: t('replicas.health'), w: 220, render: (r) => <TargetHealthLine health={health.get(r.target_id)} /> },
    { label: t('replicas.received'), w: 180, render: (r) => <Time at={r.recorded_at} /> },
    { label: t('replicas.verified'), w: 200, render: (r) => <ReplicaVerification replica={r} /> },
    {
      label: t('replicas.files'),
      w: 80,
      end: true,
      bare: true,
      render: (r) =>
        canBrowse ? (
          <Anchor component={Link} to={replicaHref(r)} size="sm" aria-label={t('replicas.browseOn', { target: label(r) })}>
            {t('replicas.browse')}
          </Anchor>
        ) : null,
    },
  ];
  return (
    <Section id="replicas-title" title={t('replicas.title')}>
      <QueryState query={replicas} errorTitle={t('replicas.failed')} skeleton={60}>
        {(rows) => (
          <ResponsiveTable
            rows={rows}
            columns={columns}
            rowKey={(r) => r.id}
            caption={t('replicas.caption')}
            rowProps={(r) => ({ 'data-testid': 'snapshot-replica-row', 'data-target': r.target_id })}
            minWidth={760}
            empty={t('replicas.empty')}
          />
        )}
      </QueryState>
    </Section>
  );
}
