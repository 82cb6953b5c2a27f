// The retention preview as a timeline: every snapshot on a time axis, kept ones on the
// upper lane (teal), deleted ones on the lower lane (red). Each mark is focusable; its
// verdict and reasons show on hover/focus, and the same facts are in a list below.
import { Badge, Box, Group, Stack, Text, useMantineTheme } from '@mantine/core';
import { useElementSize } from '@mantine/hooks';
import { useState } from 'react';
import type { PlannedSnapshot, RetentionPreview } from '../api/policyQueries';
import { formatTime } from '../lib/format';
import { ResponsiveTable, type Column } from './ResponsiveTable';
import { Trans, useTranslation } from 'react-i18next';
import { t as translate } from '../i18n';

/** Drawing width before the first measurement (then the element's own width, so marks keep their size on phones). */
const DEFAULT_WIDTH = 1000;
const HEIGHT = 120;
const PAD = 24;
/** Room on the left for the lane labels. */
const LEFT = 48;
const LANE = { keep: 36, delete: 84 } as const;

function describe(s: PlannedSnapshot): string {
  const at = formatTime(s.created_at);
  return s.action === 'keep'
    ? translate('components:timeline.describeKept', { name: s.name, at, reasons: s.reasons.join(', ') })
    : translate('components:timeline.describeDeleted', { name: s.name, at });
}

export function RetentionTimeline({ preview }: { preview: RetentionPreview }) {
  const { t } = useTranslation(['components', 'common']);
  const theme = useMantineTheme();
  const [focused, setFocused] = useState<PlannedSnapshot | null>(null);
  const { ref, width: measured } = useElementSize();
  const WIDTH = measured > 0 ? measured : DEFAULT_WIDTH;
  const times = preview.snapshots.map((s) => new Date(s.created_at).getTime());
  const end = new Date(preview.at).getTime();
  const start = Math.min(end, ...times);
  const span = Math.max(end - start, 1);
  const x = (t: number) => LEFT + ((t - start) / span) * (WIDTH - LEFT - PAD);

  const columns: Column<PlannedSnapshot>[] = [
    { label: t('common:noun.snapshot'), bare: true, render: (s) => <Text size="sm" ff="monospace" fw={500}>{s.name}</Text> },
    { label: t('timeline.taken'), w: 200, render: (s) => formatTime(s.created_at) },
    {
      label: t('timeline.verdict'),
      w: 100,
      render: (s) => (
        <Badge color={s.action === 'keep' ? 'teal' : 'red'} variant="light" radius="sm" tt="none">
          {s.action === 'keep' ? t('timeline.keep') : t('timeline.delete')}
        </Badge>
      ),
    },
    { label: t('timeline.whyKept'), render: (s) => (s.reasons.length ? s.reasons.join(', ') : '—') },
  ];

  return (
    <Stack gap="sm" data-testid="retention-preview">
      <Group gap="md">
        <Text size="sm">
          <Trans
            t={t}
            i18nKey="timeline.summary"
            values={{ keep: preview.keep, delete: preview.delete, at: formatTime(preview.at) }}
            components={{ b: <b /> }}
          />
        </Text>
      </Group>
      {preview.snapshots.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('timeline.empty')}
        </Text>
      ) : (
        <>
          <Box ref={ref} w="100%">
          <svg
            viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
            width="100%"
            role="group"
            aria-label={t('timeline.label', { keep: preview.keep, delete: preview.delete })}
            data-testid="retention-timeline"
            style={{ display: 'block', overflow: 'visible' }}
          >
            <line x1={LEFT} x2={WIDTH - PAD} y1={HEIGHT - 14} y2={HEIGHT - 14} stroke="currentColor" strokeOpacity={0.3} />
            <text x={LEFT} y={HEIGHT} fontSize={11} fill="currentColor" opacity={0.7}>
              {formatTime(new Date(start).toISOString())}
            </text>
            <text x={WIDTH - PAD} y={HEIGHT} fontSize={11} fill="currentColor" opacity={0.7} textAnchor="end">
              {t('timeline.now')}
            </text>
            <text x={4} y={LANE.keep + 4} fontSize={11} fill={theme.colors.teal[7]}>
              {t('timeline.keep')}
            </text>
            <text x={4} y={LANE.delete + 4} fontSize={11} fill={theme.colors.red[7]}>
              {t('timeline.delete')}
            </text>
            {preview.snapshots.map((s) => {
              const keep = s.action === 'keep';
              const cx = x(new Date(s.created_at).getTime());
              const cy = keep ? LANE.keep : LANE.delete;
              const color = keep ? theme.colors.teal[6] : theme.colors.red[6];
              const isFocused = focused?.snapshot_id === s.snapshot_id;
              return (
                <g
                  key={s.snapshot_id}
                  tabIndex={0}
                  role="img"
                  aria-label={describe(s)}
                  data-testid="timeline-mark"
                  data-action={s.action}
                  onMouseEnter={() => setFocused(s)}
                  onFocus={() => setFocused(s)}
                  onMouseLeave={() => setFocused(null)}
                  onBlur={() => setFocused(null)}
                  style={{ cursor: 'default', outline: 'none' }}
                >
                  <title>{describe(s)}</title>
                  <line x1={cx} x2={cx} y1={cy} y2={HEIGHT - 14} stroke={color} strokeOpacity={0.35} />
                  <circle
                    cx={cx}
                    cy={cy}
                    r={isFocused ? 9 : 6}
                    fill={keep ? color : 'transparent'}
                    stroke={isFocused ? 'currentColor' : color}
                    strokeWidth={2}
                  />
                </g>
              );
            })}
          </svg>
          </Box>
          <Text size="sm" aria-live="polite" mih={20} data-testid="timeline-detail">
            {focused ? describe(focused) : t('timeline.hint')}
          </Text>
          <ResponsiveTable
            rows={[...preview.snapshots].reverse()}
            columns={columns}
            rowKey={(s) => s.snapshot_id}
            caption={t('timeline.caption')}
            rowProps={(s) => ({ 'data-testid': 'preview-row', 'data-action': s.action })}
          />
        </>
      )}
    </Stack>
  );
}
