// What changed between two snapshots of one subvolume (operator+, read from btrfs's send
// stream on the primary): pick the snapshot to compare with (by default the one before),
// then the changes (kind, path, where a renamed one was, type, size), "Load more" through
// the listing's cursor, filtered by kind on what is loaded.
import { Badge, Button, Group, NativeSelect, SegmentedControl, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { Snapshot } from '../../api/client';
import { useSnapshots } from '../../api/queries';
import { type DiffChange, useSnapshotDiff } from '../../api/restoreQueries';
import { Mono } from '../../components/Mono';
import { QueryState } from '../../components/QueryState';
import { type Column, ResponsiveTable } from '../../components/ResponsiveTable';
import { Section } from '../../components/Section';
import { formatBytes } from '../../lib/bytes';
import { formatNumber } from '../../lib/format';
import { CHANGE_KINDS, KIND_COLOR, type KindFilter, countByKind, fileTypeLabel, filterChanges, previousSnapshot } from '../../lib/diff';

/** Most snapshots offered to compare with (the API's largest page). */
const PICK_FROM = 500;

// a function of `t`: the labels are read in the current language at each render
const columns = (t: TFunction<['restore', 'common']>): Column<DiffChange>[] => [
  {
    label: t('diff.change'),
    w: 110,
    bare: true,
    render: (c) => (
      <Badge variant="light" color={KIND_COLOR[c.kind]} radius="sm" tt="none" data-testid="change-kind">
        {t(`diff.kind.${c.kind}`)}
      </Badge>
    ),
  },
  {
    label: t('common:noun.path'),
    render: (c) => (
      <Stack gap={0}>
        <Mono>{c.path}</Mono>
        {c.kind === 'renamed' && c.from && (
          <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            <Trans t={t} i18nKey="diff.from" values={{ from: c.from }} components={{ mono: <Mono>{null}</Mono> }} />
          </Text>
        )}
      </Stack>
    ),
  },
  { label: t('diff.type'), w: 100, render: (c) => fileTypeLabel(c.file_type) },
  {
    label: t('common:noun.size'),
    w: 110,
    end: true,
    render: (c) =>
      c.size === undefined || c.size === null ? (
        '—'
      ) : (
        <span title={c.kind === 'modified' ? t('diff.atLeast') : undefined}>
          {formatBytes(c.size)}
        </span>
      ),
  },
];

function Changes({ snapshot, against }: { snapshot: Snapshot; against: Snapshot }) {
  const { t } = useTranslation(['restore', 'common']);
  const diff = useSnapshotDiff(snapshot.id, against.id);
  const [kind, setKind] = useState<KindFilter>('all');
  const all = diff.data?.pages.flatMap((p) => p.changes) ?? [];
  const counts = countByKind(all);
  const shown = filterChanges(all, kind);
  return (
    <QueryState query={diff} errorTitle={t('diff.failed')} skeleton={120}>
      {() => (
        <Stack gap="sm">
          <Text size="sm" c="dimmed" role="status" data-testid="diff-count">
            {all.length === 0
              ? t('diff.none', { from: against.name, to: snapshot.name })
              : t(diff.hasNextPage ? 'diff.countMore' : 'diff.count', { count: all.length, from: against.name, to: snapshot.name })}
          </Text>
          {all.length > 0 && (
            <SegmentedControl
              value={kind}
              onChange={(v) => setKind(v as KindFilter)}
              aria-label={t('diff.filter')}
              size="xs"
              style={{ alignSelf: 'flex-start' }}
              data={(['all', ...CHANGE_KINDS] as KindFilter[]).map((k) => ({ value: k, label: t('diff.kindCount', { kind: t(`diff.kind.${k}`), n: formatNumber(counts[k]) }) }))}
            />
          )}
          {all.length > 0 && (
            <ResponsiveTable
              rows={shown}
              columns={columns(t)}
              rowKey={(c) => `${c.kind}:${c.from ?? ''}:${c.path}`}
              caption={t('diff.changes')}
              rowProps={(c) => ({ 'data-testid': 'diff-change', 'data-kind': c.kind, 'data-path': c.path })}
              minWidth={640}
              empty={t('diff.noneOfKind', { kind: t(`diff.kind.${kind}`) })}
            />
          )}
          {diff.hasNextPage && (
            <Group justify="center">
              <Button variant="default" onClick={() => void diff.fetchNextPage()} loading={diff.isFetchingNextPage}>
                {t('common:actions.loadMore')}
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </QueryState>
  );
}

export function SnapshotDiff({ snapshot, canOperate }: { snapshot: Snapshot; canOperate: boolean }) {
  const { t } = useTranslation(['restore', 'common']);
  const list = useSnapshots(snapshot.subvolume_id, undefined, false, PICK_FROM);
  const others = (list.data?.items ?? []).filter((s) => s.id !== snapshot.id);
  const [picked, setPicked] = useState<string | null>(null);
  const against = others.find((s) => s.id === picked) ?? previousSnapshot(snapshot, others);
  return (
    <Section id="diff-title" title={t('diff.title')}>
      {!canOperate ? (
        <Text size="sm" c="dimmed">
          {t('diff.needsOperator')}
        </Text>
      ) : (
        <QueryState query={list} errorTitle={t('diff.listFailed')} skeleton={40}>
          {() =>
            others.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t('diff.noOther')}
              </Text>
            ) : (
              <Stack gap="sm">
                <NativeSelect
                  label={t('diff.compareWith')}
                  description={t('diff.compareHelp')}
                  value={against?.id ?? ''}
                  onChange={(e) => setPicked(e.currentTarget.value || null)}
                  data={[
                    ...(against ? [] : [{ value: '', label: t('diff.choose') }]),
                    ...others.map((s) => ({ value: s.id, label: s.name })),
                  ]}
                  maw={480}
                />
                {against && <Changes key={against.id} snapshot={snapshot} against={against} />}
              </Stack>
            )
          }
        </QueryState>
      )}
    </Section>
  );
}
