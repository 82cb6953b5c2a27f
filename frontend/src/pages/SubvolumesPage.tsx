// The managed subvolumes, one subvolume's page and one snapshot's page (their parts are in
// ./subvolumes/).
import { Anchor, Stack, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import type { Subvolume } from '../api/client';
import { useSubvolume, useSubvolumes } from '../api/queries';
import { useSnapshot } from '../api/restoreQueries';
import { Mono } from '../components/Mono';
import { QueryState } from '../components/QueryState';
import type { Column } from '../components/ResponsiveTable';
import { TableCard } from '../components/TableCard';
import { shortUuid } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { SnapshotError, useServerNames } from './subvolumes/common';
import { SnapshotDetail } from './subvolumes/SnapshotDetail';
import { SubvolumeDetail } from './subvolumes/SubvolumeDetail';

/** Every managed subvolume. */
export function SubvolumesPage() {
  useDocumentTitle('Subvolumes');
  const subvolumes = useSubvolumes();
  const serverNames = useServerNames();
  const columns: Column<Subvolume>[] = [
    {
      label: 'Name',
      bare: true,
      render: (s) => (
        <Anchor component={Link} to={`/subvolumes/${s.id}`} fw={600} size="sm">
          {s.name}
        </Anchor>
      ),
    },
    {
      label: 'Server',
      w: 130,
      render: (s) => (
        <Anchor component={Link} to={`/servers/${s.server_id}`} size="sm">
          {serverNames.get(s.server_id) ?? shortUuid(s.server_id)}
        </Anchor>
      ),
    },
    { label: 'Path', render: (s) => <Mono>{s.path}</Mono> },
    { label: 'Snapshot directory', render: (s) => <Mono>{s.snapshot_dir}</Mono> },
    { label: 'Last snapshot error', render: (s) => <SnapshotError subvolume={s} /> },
  ];
  return (
    <Stack gap="md">
      <Title order={2}>Subvolumes</Title>
      <TableCard
        query={subvolumes}
        errorTitle="Could not load subvolumes"
        columns={columns}
        rowKey={(s) => s.id}
        caption="Managed subvolumes"
        rowProps={(s) => ({ 'data-testid': 'subvolume-row', 'data-name': s.name })}
        minWidth={760}
        empty={
          <>
            No managed subvolumes yet. Open a server on the{' '}
            <Anchor component={Link} to="/servers">
              Servers
            </Anchor>{' '}
            page and choose “Manage” next to one of its subvolumes.
          </>
        }
      />
    </Stack>
  );
}

/** One subvolume: its facts, actions and snapshots. */
export function SubvolumePage() {
  const { id = '' } = useParams();
  const subvolume = useSubvolume(id);
  useDocumentTitle(subvolume.data ? `Subvolume ${subvolume.data.name}` : 'Subvolume');
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/subvolumes" size="sm">
        ← All subvolumes
      </Anchor>
      <QueryState query={subvolume} errorTitle="Could not load the subvolume" skeleton={160}>
        {(data) => <SubvolumeDetail subvolume={data} />}
      </QueryState>
    </Stack>
  );
}

/** One snapshot: its facts, hold, replicas, files and restores. */
export function SnapshotPage() {
  const { id = '', snapshotId = '' } = useParams();
  const subvolume = useSubvolume(id);
  const snapshot = useSnapshot(snapshotId);
  useDocumentTitle(snapshot.data ? `Snapshot ${snapshot.data.name}` : 'Snapshot');
  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/subvolumes/${id}`} size="sm">
        ← {subvolume.data?.name ?? 'Subvolume'}
      </Anchor>
      <QueryState query={subvolume} errorTitle="Could not load the subvolume" skeleton={40}>
        {(sv) => (
          <QueryState query={snapshot} errorTitle="Could not load the snapshot" skeleton={160}>
            {(snap) => <SnapshotDetail snapshot={snap} subvolume={sv} />}
          </QueryState>
        )}
      </QueryState>
    </Stack>
  );
}
