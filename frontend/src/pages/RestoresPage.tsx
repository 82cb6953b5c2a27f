// Every restore, newest first: mode, snapshot, state, what it made (or why it failed), who
// asked and when; optionally of one subvolume. Viewers see it too. Live: the stream
// invalidates 'restores' on Restore* events, and the list polls while one is running.
import { Anchor, Card, Group, NativeSelect, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { useSubvolumes } from '../api/queries';
import { type Restore, useRestores, useSnapshotsById } from '../api/restoreQueries';
import { LoadMore } from '../components/LoadMore';
import { QueryState } from '../components/QueryState';
import { type Column, ResponsiveTable } from '../components/ResponsiveTable';
import { Time } from '../components/Time';
import { shortUuid } from '../lib/format';
import { MODE_LABEL } from '../lib/restore';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { RestoreOutcome, RestoreStateBadge, snapshotHref } from './restore/RestoreStatus';

export function RestoresPage() {
  useDocumentTitle('Restores');
  const [subvolumeId, setSubvolumeId] = useState('');
  const restores = useRestores(subvolumeId || undefined);
  const subvolumes = useSubvolumes();
  const items = restores.data?.pages.flatMap((p) => p.items) ?? [];
  const snapshots = useSnapshotsById([...new Set(items.map((r) => r.snapshot_id))]);
  const subvolumeName = new Map((subvolumes.data ?? []).map((s) => [s.id, s.name]));

  const columns: Column<Restore>[] = [
    { label: 'Requested', w: 190, bare: true, render: (r) => <Time at={r.requested_at} /> },
    { label: 'Mode', w: 140, render: (r) => MODE_LABEL[r.mode] },
    {
      label: 'Snapshot',
      render: (r) => (
        <Stack gap={0}>
          <Anchor component={Link} to={snapshotHref(r.subvolume_id, r.snapshot_id)} size="sm" ff="monospace">
            {snapshots.get(r.snapshot_id)?.name ?? shortUuid(r.snapshot_id)}
          </Anchor>
          <Text size="xs" c="dimmed">
            of {subvolumeName.get(r.subvolume_id) ?? shortUuid(r.subvolume_id)}
          </Text>
        </Stack>
      ),
    },
    { label: 'State', w: 110, render: (r) => <RestoreStateBadge state={r.state} /> },
    { label: 'Result', render: (r) => <RestoreOutcome restore={r} /> },
    { label: 'Requested by', w: 140, render: (r) => r.requested_by },
  ];

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={2}>Restores</Title>
        <NativeSelect
          label="Subvolume"
          value={subvolumeId}
          onChange={(e) => setSubvolumeId(e.currentTarget.value)}
          data={[{ value: '', label: 'All subvolumes' }, ...(subvolumes.data ?? []).map((s) => ({ value: s.id, label: s.name }))]}
          w={220}
        />
      </Group>
      <Card withBorder padding="md" radius="md">
        <QueryState query={restores} errorTitle="Could not load restores" skeleton={120}>
          {() => (
            <Stack gap="sm">
              <ResponsiveTable
                rows={items}
                columns={columns}
                rowKey={(r) => r.id}
                caption="Restores"
                rowProps={(r) => ({ 'data-testid': 'restore-row', 'data-state': r.state, 'data-mode': r.mode })}
                minWidth={880}
                empty={
                  <>
                    No restores yet. Open a snapshot from its{' '}
                    <Anchor component={Link} to="/subvolumes" size="sm">
                      subvolume
                    </Anchor>{' '}
                    page and choose “Restore…”.
                  </>
                }
              />
              <LoadMore list={restores} label="Load older" />
            </Stack>
          )}
        </QueryState>
      </Card>
    </Stack>
  );
}
