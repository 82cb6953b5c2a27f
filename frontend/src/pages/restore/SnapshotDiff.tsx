// What changed between two snapshots of one subvolume (operator+, read from btrfs's send
// stream on the primary): pick the snapshot to compare with (by default the one before),
// then the changes (kind, path, where a renamed one was, type, size), "Load more" through
// the listing's cursor, filtered by kind on what is loaded.
import { Badge, Button, Group, NativeSelect, SegmentedControl, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { Snapshot } from '../../api/client';
import { useSnapshots } from '../../api/queries';
import { type DiffChange, useSnapshotDiff } from '../../api/restoreQueries';
import { Mono } from '../../components/Mono';
import { QueryState } from '../../components/QueryState';
import { type Column, ResponsiveTable } from '../../components/ResponsiveTable';
import { Section } from '../../components/Section';
import { formatBytes } from '../../lib/bytes';
import { CHANGE_KINDS, KIND_COLOR, type KindFilter, countByKind, fileTypeLabel, filterChanges, previousSnapshot } from '../../lib/diff';
import { Trans } from 'react-i18next';
import { t as translate } from '../../i18n';

/** Most snapshots offered to compare with (the API's largest page). */
const PICK_FROM = 500;

// a function: the labels are read in the current language at each render
const columns = (): Column<DiffChange>[] => [
  {
    label: translate('restore:diff.change'),
    w: 110,
    bare: true,
    render: (c) => (
      <Badge variant="light" color={KIND_COLOR[c.kind]} radius="sm" tt="none" data-testid="change-kind">
        {translate(`restore:diff.kind.${c.kind}`)}
      </Badge>
    ),
  },
  {
    label: translate('common:noun.path'),
    render: (c) => (
      <Stack gap={0}>
        <Mono>{c.path}</Mono>
        {c.kind === 'renamed' && c.from && (
          <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            <Trans ns="restore" i18nKey="diff.from" values={{ from: c.from }} components={{ mono: <Mono>{null}</Mono> }} />
          </Text>
        )}
      </Stack>
    ),
  },
  { label: translate('restore:diff.type'), w: 100, render: (c) => fileTypeLabel(c.file_type) },
  {
    label: translate('common:noun.size'),
    w: 110,
    end: true,
    render: (c) =>
      c.size === undefined || c.size === null ? (
        '—'
      ) : (
        <span title={c.kind === 'modified' ? translate('restore:diff.atLeast') : undefined}>
          {formatBytes(c.size)}
        </span>
      ),
  },
];

function Changes({ snapshot, against }: { snapshot: Snapshot; against: Snapshot }) {
  const diff = useSnapshotDiff(snapshot.id, against.id);
  const [kind, setKind] = useState<KindFilter>('all');
  const all = diff.data?.pages.flatMap((p) => p.changes) ?? [];
  const counts = countByKind(all);
  const shown = filterChanges(all, kind);
  return (
    <QueryState query={diff} errorTitle={translate('restore:diff.failed')} skeleton={120}>
      {() => (
        <Stack gap="sm">
          <Text size="sm" c="dimmed" role="status" data-testid="diff-count">
            {all.length === 0
              ? translate('restore:diff.none', { from: against.name, to: snapshot.name })
              : translate(diff.hasNextPage ? 'restore:diff.countMore' : 'restore:diff.count', { count: all.length, from: against.name, to: snapshot.name })}
          </Text>
          {all.length > 0 && (
            <SegmentedControl
              value={kind}
              onChange={(v) => setKind(v as KindFilter)}
              aria-label={translate('restore:diff.filter')}
              size="xs"
              style={{ alignSelf: 'flex-start' }}
              data={(['all', ...CHANGE_KINDS] as KindFilter[]).map((k) => ({ value: k, label: `${translate(`restore:diff.kind.${k}`)} (${counts[k]})` }))}
            />
          )}
          {all.length > 0 && (
            <ResponsiveTable
              rows={shown}
              columns={columns()}
              rowKey={(c) => `${c.kind}:${c.from ?? ''}:${c.path}`}
              caption={translate('restore:diff.changes')}
              rowProps={(c) => ({ 'data-testid': 'diff-change', 'data-kind': c.kind, 'data-path': c.path })}
              minWidth={640}
              empty={translate('restore:diff.noneOfKind', { kind: translate(`restore:diff.kind.${kind}`) })}
            />
          )}
          {diff.hasNextPage && (
            <Group justify="center">
              <Button variant="default" onClick={() => void diff.fetchNextPage()} loading={diff.isFetchingNextPage}>
                {translate('common:actions.loadMore')}
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </QueryState>
  );
}

export function SnapshotDiff({ snapshot, canOperate }: { snapshot: Snapshot; canOperate: boolean }) {
  const list = useSnapshots(snapshot.subvolume_id, 0, false, PICK_FROM);
  const others = (list.data?.items ?? []).filter((s) => s.id !== snapshot.id);
  const [picked, setPicked] = useState<string | null>(null);
  const against = others.find((s) => s.id === picked) ?? previousSnapshot(snapshot, others);
  return (
    <Section id="diff-title" title={translate('restore:diff.title')}>
      {!canOperate ? (
        <Text size="sm" c="dimmed">
          {translate('restore:diff.needsOperator')}
        </Text>
      ) : (
        <QueryState query={list} errorTitle={translate('restore:diff.listFailed')} skeleton={40}>
          {() =>
            others.length === 0 ? (
              <Text size="sm" c="dimmed">
                {translate('restore:diff.noOther')}
              </Text>
            ) : (
              <Stack gap="sm">
                <NativeSelect
                  label={translate('restore:diff.compareWith')}
                  description={translate('restore:diff.compareHelp')}
                  value={against?.id ?? ''}
                  onChange={(e) => setPicked(e.currentTarget.value || null)}
                  data={[
                    ...(against ? [] : [{ value: '', label: translate('restore:diff.choose') }]),
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
