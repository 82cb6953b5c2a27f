// A subvolume over the last 7 days: its snapshot count and (with qgroups) the exclusive
// bytes its snapshots hold, as charts from the storage collections, and the growth
// rates derived from them. Sizes never show as 0 when they were not measured.
import '@mantine/charts/styles.css';
import { LineChart } from '@mantine/charts';
import { Card, SimpleGrid, Skeleton, Stack, Text, Title } from '@mantine/core';
import { type SubvolumeSample, useSubvolumeHistory } from '../api/storage';
import { formatBytes } from '../lib/bytes';
import { perDay } from '../lib/growth';
import { FactList } from './FactList';

const time = (iso: string) => new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** "+1.20 MiB/day", "−300 KiB/day", or what is missing. */
function rate(value: number | null, unknown: string): string {
  if (value === null) return unknown;
  const sign = value < 0 ? '−' : '+';
  return `${sign}${formatBytes(Math.abs(value))}/day`;
}

function count(value: number | null): string {
  if (value === null) return 'not enough history yet';
  return `${value < 0 ? '−' : '+'}${Math.abs(value).toFixed(1)} snapshots/day`;
}

function Charts({ samples }: { samples: SubvolumeSample[] }) {
  const measured = samples.some((s) => s.snapshot_exclusive_bytes != null);
  const rows = samples.map((s) => ({
    time: time(s.sampled_at),
    snapshots: s.snapshots,
    overhead: s.snapshot_exclusive_bytes ?? null,
    referenced: s.referenced_bytes ?? null,
  }));
  return (
    <SimpleGrid cols={{ base: 1, md: measured ? 2 : 1 }}>
      <LineChart
        h={160}
        data={rows}
        dataKey="time"
        series={[{ name: 'snapshots', label: 'Snapshots', color: 'indigo.6' }]}
        curveType="stepAfter"
        withDots={false}
        yAxisProps={{ width: 40, allowDecimals: false }}
        aria-label="Snapshot count over the last 7 days"
      />
      {measured && (
        <LineChart
          h={160}
          data={rows}
          dataKey="time"
          series={[
            { name: 'overhead', label: 'Snapshot overhead (exclusive)', color: 'orange.6' },
            { name: 'referenced', label: 'Subvolume (referenced)', color: 'teal.6' },
          ]}
          curveType="linear"
          withDots={false}
          valueFormatter={formatBytes}
          yAxisProps={{ width: 80 }}
          aria-label="Subvolume and snapshot sizes over the last 7 days"
        />
      )}
    </SimpleGrid>
  );
}

export function SubvolumeHistory({ subvolumeId }: { subvolumeId: string }) {
  const history = useSubvolumeHistory(subvolumeId);
  const samples = history.data ?? [];
  const quotasOff = samples.length > 0 && samples.every((s) => s.snapshot_exclusive_bytes == null && s.referenced_bytes == null);
  const sizeUnknown = quotasOff ? 'unknown – quotas off' : 'not enough history yet';
  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby="subvolume-history-title" data-testid="subvolume-history">
      <Title order={3} size="h5" id="subvolume-history-title" mb="sm">
        Last 7 days
      </Title>
      {history.isPending && <Skeleton h={120} />}
      {history.isError && (
        <Text size="sm" c="dimmed">
          History unavailable.
        </Text>
      )}
      {history.data && (
        <Stack gap="sm">
          <FactList
            label="Growth"
            facts={[
              ['Snapshots', <span data-testid="growth-snapshots">{count(perDay(samples, (s) => s.snapshots))}</span>],
              ['Subvolume growth', <span data-testid="growth-referenced">{rate(perDay(samples, (s) => s.referenced_bytes), sizeUnknown)}</span>],
              [
                'Snapshot overhead growth',
                <span data-testid="growth-overhead">{rate(perDay(samples, (s) => s.snapshot_exclusive_bytes), sizeUnknown)}</span>,
              ],
            ]}
          />
          {samples.length < 2 ? (
            <Text size="xs" c="dimmed" data-testid="history-waiting">
              The charts appear after a second storage collection ({samples.length} so far).
            </Text>
          ) : (
            <Charts samples={samples} />
          )}
        </Stack>
      )}
    </Card>
  );
}
