// The history of runs, one row per (run, target), newest first.
import { Badge, Button, Text } from '@mantine/core';
import { useState } from 'react';
import type { Replication, ReplicationTarget, Target } from '../../api/replicationQueries';
import { formatDuration } from '../../components/ReplicationHealth';
import { ResponsiveTable, type Column } from '../../components/ResponsiveTable';
import { Section } from '../../components/Section';
import { Time } from '../../components/Time';
import { formatBytes } from '../../lib/bytes';
import { shortUuid } from '../../lib/format';
import { rate, targetLabel } from './labels';
import { RetryDialog } from './RetryDialog';
import { useTranslation } from 'react-i18next';

interface HistoryRow {
  run: Replication;
  t: ReplicationTarget;
}

const RUN_COLOR: Record<string, string> = {
  queued: 'gray',
  running: 'blue',
  succeeded: 'teal',
  failed: 'red',
  partially_failed: 'orange',
};

export function HistorySection({ runs, targets, servers, subvolumes, canOperate }: {
  runs: Replication[];
  targets: Map<string, Target>;
  servers: Map<string, string>;
  subvolumes: Map<string, string>;
  canOperate: boolean;
}) {
  // `t` is a run's target in the rows below
  const { t: translate } = useTranslation(['replication', 'common']);
  const [retrying, setRetrying] = useState<Replication | null>(null);
  const rows: HistoryRow[] = runs.flatMap((run) => run.targets.map((t) => ({ run, t })));
  const columns: Column<HistoryRow>[] = [
    { label: translate('replication:history.requested'), w: 170, bare: true, render: ({ run }) => <Time at={run.requested_at} /> },
    {
      label: translate('replication:health.pair'),
      render: ({ run, t }) => (
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {subvolumes.get(run.subvolume_id) ?? shortUuid(run.subvolume_id)} → {targetLabel(t.target_id, targets, servers)}
        </Text>
      ),
    },
    {
      label: translate('replication:health.state'),
      w: 110,
      render: ({ t }) => (
        <Badge color={RUN_COLOR[t.state] ?? 'gray'} variant="light" radius="sm" tt="none" data-testid="history-state">
          {translate(`replication:targetState.${t.state}`)}
        </Badge>
      ),
    },
    {
      label: translate('replication:history.kind'),
      w: 100,
      render: ({ t }) => <Text size="sm" data-testid="history-kind">{t.kind ? translate(`replication:kind.${t.kind}`) : '—'}</Text>,
    },
    {
      label: translate('replication:history.bytes'),
      w: 100,
      render: ({ t }) => <Text size="sm">{t.kind === 'already_present' ? translate('replication:history.nothingSent') : formatBytes(t.bytes_total || t.bytes)}</Text>,
    },
    {
      label: translate('replication:history.duration'),
      w: 90,
      render: ({ t }) => <Text size="sm">{t.duration_ms === undefined || t.duration_ms === null ? '—' : formatDuration(t.duration_ms / 1000)}</Text>,
    },
    { label: translate('replication:history.throughput'), w: 110, render: ({ t }) => <Text size="sm">{rate(t.rate_bytes_per_sec)}</Text> },
    {
      label: translate('replication:history.error'),
      render: ({ t }) =>
        t.error ? (
          <Text size="xs" c="red" style={{ overflowWrap: 'anywhere' }}>
            {t.error}
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            —
          </Text>
        ),
    },
    ...(canOperate
      ? [
          {
            label: '',
            w: 90,
            end: true,
            bare: true,
            render: ({ run, t }: HistoryRow) =>
              t.state === 'failed' && run.state !== 'queued' && run.state !== 'running' ? (
                <Button size="xs" variant="light" onClick={() => setRetrying(run)} aria-label={translate('replication:history.retryLabel', { target: targetLabel(t.target_id, targets, servers) })}>
                  {translate('replication:history.retry')}
                </Button>
              ) : null,
          },
        ]
      : []),
  ];
  return (
    <Section
      id="history-title"
      title={translate('replication:history.title')}
      extra={<Text size="xs" c="dimmed">{translate('replication:history.count', { count: runs.length })}</Text>}
    >
      <ResponsiveTable
        rows={rows}
        columns={columns}
        rowKey={({ run, t }) => `${run.id}/${t.target_id}`}
        caption={translate('replication:history.caption')}
        rowProps={({ run, t }) => ({ 'data-testid': 'history-row', 'data-state': t.state, 'data-replication': run.id })}
        minWidth={980}
        empty={translate('replication:history.empty')}
      />
      {retrying && <RetryDialog run={retrying} targets={targets} servers={servers} onClose={() => setRetrying(null)} />}
    </Section>
  );
}
