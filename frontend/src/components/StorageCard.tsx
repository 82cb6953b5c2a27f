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
import { formatBytes, percent, usageColor } from '../lib/bytes';
import { formatNumber, formatTime } from '../lib/format';
import { ErrorNotice } from './ErrorNotice';
import { useTranslation } from 'react-i18next';

/**
 * How full one server's filesystems are (as of its last storage collection) and how "used"
 * moved over the last 48 hours. `compact` for the Overview (one card per server, titled
 * with the server's name); otherwise it sits on the server's own page, titled "Storage".
 */
export function StorageCard({ serverId, serverName, compact = false }: { serverId: string; serverName?: string; compact?: boolean }) {
  const { t } = useTranslation(['components', 'common']);
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
          {compact ? t('storage.titleOf', { name }) : t('storage.title')}
        </Title>
        {canOperate && (
          <Button size="compact-xs" variant="default" onClick={() => collect.mutate(serverId)} loading={collect.isPending}>
            {t('storage.collect')}
          </Button>
        )}
      </Group>
      {storage.isPending && <Skeleton h={compact ? 80 : 160} />}
      {storage.isError && (
        <ErrorNotice title={t('storage.loadFailed')} error={storage.error} onRetry={() => void storage.refetch()} />
      )}
      {collect.isError && !entry?.error && <ErrorNotice title={t('storage.collectFailed')} error={collect.error} />}
      {storage.data && <StorageBody entry={entry} serverId={serverId} compact={compact} />}
      {!compact && entry && <QgroupSetting entry={entry} />}
    </Card>
  );
}

function StorageBody({ entry, serverId, compact }: { entry: ServerStorage | undefined; serverId: string; compact: boolean }) {
  const { t } = useTranslation(['components', 'common']);
  const filesystems = entry?.filesystems ?? [];
  return (
    <Stack gap="sm">
      {entry?.error && (
        <Alert color="orange" variant="light" role="alert" title={t('storage.lastFailed')} data-testid="storage-error">
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {entry.error}
          </Text>
          {entry.attempted_at && (
            <Text size="xs" c="dimmed">
              {entry.sampled_at
                ? t('storage.attemptedOlder', { at: formatTime(entry.attempted_at) })
                : t('storage.attempted', { at: formatTime(entry.attempted_at) })}
            </Text>
          )}
        </Alert>
      )}
      {filesystems.length === 0 && !entry?.error && (
        <Text size="sm" c="dimmed" data-testid="storage-empty">
          {t('storage.empty')}
        </Text>
      )}
      {filesystems.map((fs) => (
        <Filesystem key={fs.filesystem} fs={fs} compact={compact} />
      ))}
      {entry?.sampled_at && (
        <Text size="xs" c="dimmed">
          {t('storage.measured', { at: formatTime(entry.sampled_at) })}
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
  const { t } = useTranslation(['components', 'common']);
  const isAdmin = useMe().data?.role === 'admin';
  const set = useSetCollectQgroups();
  return (
    <Stack gap={4} mt="md">
      <Switch
        label={t('storage.qgroups')}
        description={t('storage.qgroupsHelp')}
        checked={entry.collect_qgroups}
        disabled={!isAdmin || set.isPending}
        onChange={(e) => set.mutate({ serverId: entry.server_id, collect_qgroups: e.currentTarget.checked })}
      />
      {set.isError && <ErrorNotice title={t('storage.settingFailed')} error={set.error} />}
    </Stack>
  );
}

/** The block-group kinds btrfs reports, each a key of components.json's `storage`. */
const BLOCK_GROUPS = ['data', 'metadata', 'system'] as const;

function Filesystem({ fs, compact }: { fs: FilesystemStorage; compact: boolean }) {
  const { t } = useTranslation(['components', 'common']);
  const used = percent(fs.used_bytes, fs.size_bytes);
  const color = usageColor(used);
  return (
    <Stack gap={4} data-testid="storage-filesystem">
      <Group justify="space-between" gap="xs" wrap="wrap">
        <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
          {fs.filesystem}
        </Text>
        <Text size="sm" data-testid="storage-used">
          {t('storage.usedOf', { used: formatBytes(fs.used_bytes), size: formatBytes(fs.size_bytes) })}
        </Text>
      </Group>
      <Progress value={used} color={color} aria-label={t('storage.usedLabel', { filesystem: fs.filesystem, percent: formatNumber(used, { maximumFractionDigits: 0 }) })} />
      <Text size="xs" c="dimmed" data-testid="storage-free">
        {!compact && fs.free_min_bytes != null
          ? t('storage.freeAtLeast', { free: formatBytes(fs.free_bytes), min: formatBytes(fs.free_min_bytes) })
          : t('storage.free', { free: formatBytes(fs.free_bytes) })}
      </Text>
      {!compact && (
        <Text size="xs" c="dimmed">
          {BLOCK_GROUPS.filter((kind) => fs[kind] != null)
            .map((kind) => t(`storage.${kind}`, { used: formatBytes(fs[kind]?.used_bytes), size: formatBytes(fs[kind]?.size_bytes) }))
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
      time: formatTime(s.sampled_at, { hour: '2-digit', minute: '2-digit', day: 'numeric', month: 'short' }),
    };
    row[`fs${index}`] = s.used_bytes;
    rows.set(s.sampled_at, row);
  }
  return [...rows.values()];
}

const COLORS = ['indigo.6', 'teal.6', 'orange.6', 'grape.6', 'cyan.6'];

function History({ serverId, filesystems, compact }: { serverId: string; filesystems: string[]; compact: boolean }) {
  const { t } = useTranslation(['components', 'common']);
  const history = useStorageHistory(serverId);
  if (history.isPending) return <Skeleton h={compact ? 70 : 160} />;
  if (history.isError) {
    return (
      <Text size="xs" c="dimmed">
        {t('storage.historyUnavailable')}
      </Text>
    );
  }
  const rows = chartRows(history.data, filesystems);
  if (rows.length < 2) {
    return (
      <Text size="xs" c="dimmed">
        {t('storage.chartLater')}
      </Text>
    );
  }
  return (
    <AreaChart
      h={compact ? 70 : 180}
      data={rows}
      dataKey="time"
      series={filesystems.map((fs, i) => ({ name: `fs${i}`, label: t('storage.seriesUsed', { filesystem: fs }), color: COLORS[i % COLORS.length] ?? 'gray.6' }))}
      curveType="linear"
      withDots={false}
      withXAxis={!compact}
      withYAxis={!compact}
      gridAxis={compact ? 'none' : 'x'}
      valueFormatter={formatBytes}
      yAxisProps={{ width: 80 }}
      aria-label={t('storage.chartLabel')}
    />
  );
}
