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

/** Most snapshots offered to compare with (the API's largest page). */
const PICK_FROM = 500;

const columns: Column<DiffChange>[] = [
  {
    label: 'Change',
    w: 110,
    bare: true,
    render: (c) => (
      <Badge variant="light" color={KIND_COLOR[c.kind]} radius="sm" tt="none" data-testid="change-kind">
        {c.kind}
      </Badge>
    ),
  },
  {
    label: 'Path',
    render: (c) => (
      <Stack gap={0}>
        <Mono>{c.path}</Mono>
        {c.kind === 'renamed' && c.from && (
          <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            from <Mono>{c.from}</Mono>
          </Text>
        )}
      </Stack>
    ),
  },
  { label: 'Type', w: 100, render: (c) => fileTypeLabel(c.file_type) },
  {
    label: 'Size',
    w: 110,
    end: true,
    render: (c) =>
      c.size === undefined || c.size === null ? (
        '—'
      ) : (
        <span title={c.kind === 'modified' ? 'At least this much: btrfs does not say the size of a file changed in place' : undefined}>
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
  const more = diff.hasNextPage ? ' loaded, more to load' : '';
  return (
    <QueryState query={diff} errorTitle="Could not compare the snapshots" skeleton={120}>
      {() => (
        <Stack gap="sm">
          <Text size="sm" c="dimmed" role="status" data-testid="diff-count">
            {all.length === 0
              ? `No changes from ${against.name} to ${snapshot.name}.`
              : `${all.length} change${all.length === 1 ? '' : 's'}${more} from ${against.name} to ${snapshot.name}`}
          </Text>
          {all.length > 0 && (
            <SegmentedControl
              value={kind}
              onChange={(v) => setKind(v as KindFilter)}
              aria-label="Show changes of kind"
              size="xs"
              style={{ alignSelf: 'flex-start' }}
              data={(['all', ...CHANGE_KINDS] as KindFilter[]).map((k) => ({ value: k, label: `${k} (${counts[k]})` }))}
            />
          )}
          {all.length > 0 && (
            <ResponsiveTable
              rows={shown}
              columns={columns}
              rowKey={(c) => `${c.kind}:${c.from ?? ''}:${c.path}`}
              caption="Changes"
              rowProps={(c) => ({ 'data-testid': 'diff-change', 'data-kind': c.kind, 'data-path': c.path })}
              minWidth={640}
              empty={`No ${kind} paths among the changes loaded.`}
            />
          )}
          {diff.hasNextPage && (
            <Group justify="center">
              <Button variant="default" onClick={() => void diff.fetchNextPage()} loading={diff.isFetchingNextPage}>
                Load more
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
    <Section id="diff-title" title="Diff">
      {!canOperate ? (
        <Text size="sm" c="dimmed">
          Comparing snapshots needs the operator role.
        </Text>
      ) : (
        <QueryState query={list} errorTitle="Could not load the snapshots to compare with" skeleton={40}>
          {() =>
            others.length === 0 ? (
              <Text size="sm" c="dimmed">
                No other snapshot of this subvolume on the primary to compare with.
              </Text>
            ) : (
              <Stack gap="sm">
                <NativeSelect
                  label="Compare with"
                  description="What changed from that snapshot to this one (by default the one taken before it)."
                  value={against?.id ?? ''}
                  onChange={(e) => setPicked(e.currentTarget.value || null)}
                  data={[
                    ...(against ? [] : [{ value: '', label: 'Choose a snapshot…' }]),
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
