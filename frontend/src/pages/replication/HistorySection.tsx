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

export function HistorySection({ runs, total, targets, servers, subvolumes, canOperate }: {
  runs: Replication[];
  total: number;
  targets: Map<string, Target>;
  servers: Map<string, string>;
  subvolumes: Map<string, string>;
  canOperate: boolean;
}) {
  const [retrying, setRetrying] = useState<Replication | null>(null);
  const rows: HistoryRow[] = runs.flatMap((run) => run.targets.map((t) => ({ run, t })));
  const columns: Column<HistoryRow>[] = [
    { label: 'Requested', w: 170, bare: true, render: ({ run }) => <Time at={run.requested_at} /> },
    {
      label: 'Subvolume → target',
      render: ({ run, t }) => (
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {subvolumes.get(run.subvolume_id) ?? shortUuid(run.subvolume_id)} → {targetLabel(t.target_id, targets, servers)}
        </Text>
      ),
    },
    {
      label: 'State',
      w: 110,
      render: ({ t }) => (
        <Badge color={RUN_COLOR[t.state] ?? 'gray'} variant="light" radius="sm" tt="none" data-testid="history-state">
          {t.state}
        </Badge>
      ),
    },
    { label: 'Kind', w: 100, render: ({ t }) => <Text size="sm" data-testid="history-kind">{t.kind === 'already_present' ? 'already present' : (t.kind ?? '—')}</Text> },
    {
      label: 'Bytes',
      w: 100,
      render: ({ t }) => <Text size="sm">{t.kind === 'already_present' ? 'nothing sent' : formatBytes(t.bytes_total || t.bytes)}</Text>,
    },
    {
      label: 'Duration',
      w: 90,
      render: ({ t }) => <Text size="sm">{t.duration_ms === undefined || t.duration_ms === null ? '—' : formatDuration(t.duration_ms / 1000)}</Text>,
    },
    { label: 'Throughput', w: 110, render: ({ t }) => <Text size="sm">{rate(t.rate_bytes_per_sec)}</Text> },
    {
      label: 'Error',
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
                <Button size="xs" variant="light" onClick={() => setRetrying(run)} aria-label={`Retry ${targetLabel(t.target_id, targets, servers)}`}>
                  Retry…
                </Button>
              ) : null,
          },
        ]
      : []),
  ];
  return (
    <Section id="history-title" title="History" extra={<Text size="xs" c="dimmed">{`${runs.length} of ${total} runs, newest first`}</Text>}>
      <ResponsiveTable
        rows={rows}
        columns={columns}
        rowKey={({ run, t }) => `${run.id}/${t.target_id}`}
        caption="Replication history"
        rowProps={({ run, t }) => ({ 'data-testid': 'history-row', 'data-state': t.state, 'data-replication': run.id })}
        minWidth={980}
        empty="No replications yet."
      />
      {retrying && <RetryDialog run={retrying} targets={targets} servers={servers} onClose={() => setRetrying(null)} />}
    </Section>
  );
}
