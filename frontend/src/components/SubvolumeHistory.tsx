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
import { useTranslation } from 'react-i18next';
import { t as translate } from '../i18n';
import { formatNumber, formatTime } from '../lib/format';

const time = (iso: string) => formatTime(iso, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** "+1.20 MiB/day", "−300 KiB/day", or what is missing. */
function rate(value: number | null, unknown: string): string {
  if (value === null) return unknown;
  const sign = value < 0 ? '−' : '+';
  return translate('components:history.perDay', { value: `${sign}${formatBytes(Math.abs(value))}` });
}

function count(value: number | null): string {
  if (value === null) return translate('components:history.notEnough');
  const n = `${value < 0 ? '−' : '+'}${formatNumber(Math.abs(value), { minimumFractionDigits: 1, maximumFractionDigits: 1 })}`;
  return translate('components:history.snapshotsPerDay', { n });
}

function Charts({ samples }: { samples: SubvolumeSample[] }) {
  const { t } = useTranslation(['components', 'common']);
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
        series={[{ name: 'snapshots', label: t('history.snapshots'), color: 'indigo.6' }]}
        curveType="stepAfter"
        withDots={false}
        yAxisProps={{ width: 40, allowDecimals: false }}
        aria-label={t('history.countChart')}
      />
      {measured && (
        <LineChart
          h={160}
          data={rows}
          dataKey="time"
          series={[
            { name: 'overhead', label: t('history.overheadSeries'), color: 'orange.6' },
            { name: 'referenced', label: t('history.referencedSeries'), color: 'teal.6' },
          ]}
          curveType="linear"
          withDots={false}
          valueFormatter={formatBytes}
          yAxisProps={{ width: 80 }}
          aria-label={t('history.sizeChart')}
        />
      )}
    </SimpleGrid>
  );
}

export function SubvolumeHistory({ subvolumeId }: { subvolumeId: string }) {
  const { t } = useTranslation(['components', 'common']);
  const history = useSubvolumeHistory(subvolumeId);
  const samples = history.data ?? [];
  const quotasOff = samples.length > 0 && samples.every((s) => s.snapshot_exclusive_bytes == null && s.referenced_bytes == null);
  const sizeUnknown = quotasOff ? t('quotasOff') : t('history.notEnough');
  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby="subvolume-history-title" data-testid="subvolume-history">
      <Title order={3} size="h5" id="subvolume-history-title" mb="sm">
        {t('history.title')}
      </Title>
      {history.isPending && <Skeleton h={120} />}
      {history.isError && (
        <Text size="sm" c="dimmed">
          {t('storage.historyUnavailable')}
        </Text>
      )}
      {history.data && (
        <Stack gap="sm">
          <FactList
            label={t('history.growth')}
            facts={[
              [t('history.snapshots'), <span data-testid="growth-snapshots">{count(perDay(samples, (s) => s.snapshots))}</span>],
              [t('history.subvolumeGrowth'), <span data-testid="growth-referenced">{rate(perDay(samples, (s) => s.referenced_bytes), sizeUnknown)}</span>],
              [
                t('history.overheadGrowth'),
                <span data-testid="growth-overhead">{rate(perDay(samples, (s) => s.snapshot_exclusive_bytes), sizeUnknown)}</span>,
              ],
            ]}
          />
          {samples.length < 2 ? (
            <Text size="xs" c="dimmed" data-testid="history-waiting">
              {t('history.waiting', { count: samples.length })}
            </Text>
          ) : (
            <Charts samples={samples} />
          )}
        </Stack>
      )}
    </Card>
  );
}
