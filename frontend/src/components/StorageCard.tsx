import '@mantine/charts/styles.css';
import { AreaChart } from '@mantine/charts';
import { Alert, Button, Card, Group, Progress, Skeleton, Stack, Switch, Text, Title } from '@mantine/core';
import { useCanOperate, useMe } from '../api/queries';
import {
  type FilesystemStorage,
  type ServerStorage,
  type StorageSample,
  useCollectStorage,
  useSetCollectQgroups,
  useStorage,
  useStorageHistory,
} from '../api/storage';
import { formatBytes, percent } from '../lib/bytes';
import { formatTime } from '../lib/format';
import { ErrorNotice } from './ErrorNotice';

/**
 * How full one server's filesystems are (as of its last storage collection) and how "used"
 * moved over the last 48 hours. `compact` for the Overview (one card per server, titled
 * with the server's name); otherwise it sits on the server's own page, titled "Storage".
 */
export function StorageCard({ serverId, serverName, compact = false }: { serverId: string; serverName?: string; compact?: boolean }) {
  const storage = useStorage();
  const canOperate = useCanOperate();
  const collect = useCollectStorage();
  const entry = storage.data?.find((s) => s.server_id === serverId);
  const name = serverName ?? entry?.server_name ?? serverId;
  const titleId = `storage-title-${serverId}`;
  return (
    <Card withBorder padding={compact ? 'md' : 'lg'} radius="md" component="section" aria-labelledby={titleId} data-testid="storage-card">
      <Group justify="space-between" mb="sm" wrap="nowrap">
        <Title order={3} size="h5" id={titleId}>
          {compact ? `Storage · ${name}` : 'Storage'}
        </Title>
        {canOperate && (
          <Button size="compact-xs" variant="default" onClick={() => collect.mutate(serverId)} loading={collect.isPending}>
            Collect now
          </Button>
        )}
      </Group>
      {storage.isPending && <Skeleton h={compact ? 80 : 160} />}
      {storage.isError && (
        <ErrorNotice title="Could not load storage figures" error={storage.error} onRetry={() => void storage.refetch()} />
      )}
      {collect.isError && !entry?.error && <ErrorNotice title="Collection failed" error={collect.error} />}
      {storage.data && <StorageBody entry={entry} serverId={serverId} compact={compact} />}
      {!compact && entry && <QgroupSetting entry={entry} />}
    </Card>
  );
}

function StorageBody({ entry, serverId, compact }: { entry: ServerStorage | undefined; serverId: string; compact: boolean }) {
  const filesystems = entry?.filesystems ?? [];
  return (
    <Stack gap="sm">
      {entry?.error && (
        <Alert color="orange" variant="light" role="alert" title="Last collection failed" data-testid="storage-error">
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {entry.error}
          </Text>
          {entry.attempted_at && (
            <Text size="xs" c="dimmed">
              Attempted {formatTime(entry.attempted_at)}
              {entry.sampled_at ? '; the figures below are older.' : '.'}
            </Text>
          )}
        </Alert>
      )}
      {filesystems.length === 0 && !entry?.error && (
        <Text size="sm" c="dimmed" data-testid="storage-empty">
          No storage figures yet. They are collected every few minutes.
        </Text>
      )}
      {filesystems.map((fs) => (
        <Filesystem key={fs.filesystem} fs={fs} compact={compact} />
      ))}
      {entry?.sampled_at && (
        <Text size="xs" c="dimmed">
          Measured {formatTime(entry.sampled_at)}
        </Text>
      )}
      {!compact && entry?.qgroup_note && (
        <Text size="xs" c="dimmed">
          {entry.qgroup_note}
        </Text>
      )}
      {filesystems.length > 0 && <History serverId={serverId} filesystems={filesystems.map((f) => f.filesystem)} compact={compact} />}
    </Stack>
  );
}

/** The per-server qgroup setting: admins switch it, everyone else sees it. */
function QgroupSetting({ entry }: { entry: ServerStorage }) {
  const isAdmin = useMe().data?.role === 'admin';
  const set = useSetCollectQgroups();
  return (
    <Stack gap={4} mt="md">
      <Switch
        label="Read subvolume sizes from btrfs quotas (qgroups)"
        description="Only reads qgroups: quotas must be enabled on the filesystem (btrfs quota enable), which slows down writes, snapshot deletion and balance on large filesystems. dist-btrfs never enables them."
        checked={entry.collect_qgroups}
        disabled={!isAdmin || set.isPending}
        onChange={(e) => set.mutate({ serverId: entry.server_id, collect_qgroups: e.currentTarget.checked })}
      />
      {set.isError && <ErrorNotice title="Could not change the setting" error={set.error} />}
    </Stack>
  );
}

function Filesystem({ fs, compact }: { fs: FilesystemStorage; compact: boolean }) {
  const used = percent(fs.used_bytes, fs.size_bytes);
  const color = used >= 90 ? 'red' : used >= 75 ? 'orange' : 'teal';
  return (
    <Stack gap={4} data-testid="storage-filesystem">
      <Group justify="space-between" gap="xs" wrap="wrap">
        <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
          {fs.filesystem}
        </Text>
        <Text size="sm" data-testid="storage-used">
          {formatBytes(fs.used_bytes)} used of {formatBytes(fs.size_bytes)}
        </Text>
      </Group>
      <Progress value={used} color={color} aria-label={`Used space on ${fs.filesystem}: ${used.toFixed(0)}%`} />
      <Text size="xs" c="dimmed" data-testid="storage-free">
        {formatBytes(fs.free_bytes)} free (estimated)
        {!compact && fs.free_min_bytes != null && `, at least ${formatBytes(fs.free_min_bytes)}`}
      </Text>
      {!compact && (
        <Text size="xs" c="dimmed">
          {[
            ['Data', fs.data],
            ['Metadata', fs.metadata],
            ['System', fs.system],
          ]
            .filter((entry): entry is [string, NonNullable<FilesystemStorage['data']>] => entry[1] != null)
            .map(([kind, bg]) => `${kind} ${formatBytes(bg.used_bytes)} / ${formatBytes(bg.size_bytes)}`)
            .join(' · ')}
        </Text>
      )}
    </Stack>
  );
}

/** Rows for the chart: one per sampling time, one key per filesystem (`fs0`, `fs1`, ...). */
export function chartRows(samples: StorageSample[], filesystems: string[]): Record<string, string | number>[] {
  const rows = new Map<string, Record<string, string | number>>();
  for (const s of samples) {
    const index = filesystems.indexOf(s.filesystem);
    if (index < 0) continue;
    const row = rows.get(s.sampled_at) ?? {
      time: new Date(s.sampled_at).toLocaleString(undefined, { hour: '2-digit', minute: '2-digit', day: 'numeric', month: 'short' }),
    };
    row[`fs${index}`] = s.used_bytes;
    rows.set(s.sampled_at, row);
  }
  return [...rows.values()];
}

const COLORS = ['indigo.6', 'teal.6', 'orange.6', 'grape.6', 'cyan.6'];

function History({ serverId, filesystems, compact }: { serverId: string; filesystems: string[]; compact: boolean }) {
  const history = useStorageHistory(serverId);
  if (history.isPending) return <Skeleton h={compact ? 70 : 160} />;
  if (history.isError) {
    return (
      <Text size="xs" c="dimmed">
        History unavailable.
      </Text>
    );
  }
  const rows = chartRows(history.data, filesystems);
  if (rows.length < 2) {
    return (
      <Text size="xs" c="dimmed">
        The chart appears after a second collection.
      </Text>
    );
  }
  return (
    <AreaChart
      h={compact ? 70 : 180}
      data={rows}
      dataKey="time"
      series={filesystems.map((fs, i) => ({ name: `fs${i}`, label: `${fs} used`, color: COLORS[i % COLORS.length] ?? 'gray.6' }))}
      curveType="linear"
      withDots={false}
      withXAxis={!compact}
      withYAxis={!compact}
      gridAxis={compact ? 'none' : 'x'}
      valueFormatter={formatBytes}
      yAxisProps={{ width: 80 }}
      aria-label="Used space over the last 48 hours"
    />
  );
}
