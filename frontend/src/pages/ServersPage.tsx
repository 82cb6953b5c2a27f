// The Servers list and one server's page; the admin forms and the subvolumes on its disk
// are in ./servers/.
import { Anchor, Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { useIsAdmin } from '../api/accountQueries';
import type { Server } from '../api/client';
import { useServer, useServers } from '../api/queries';
import { FactList } from '../components/FactList';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import type { Column } from '../components/ResponsiveTable';
import { StorageCard } from '../components/StorageCard';
import { TableCard } from '../components/TableCard';
import { Time } from '../components/Time';
import { formatTime } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { AddServerDialog } from './servers/AddServerDialog';
import { Discovered } from './servers/Discovered';
import { ServerAdminActions } from './servers/ServerAdminActions';

export function RoleBadge({ role }: { role: Server['role'] }) {
  return (
    <Badge variant="light" color={role === 'primary' ? 'blue' : 'grape'} radius="sm" tt="none">
      {role}
    </Badge>
  );
}

export function transportText(server: Server): string {
  const t = server.transport;
  if (t.kind === 'local') return 'local';
  const user = t.username ? `${t.username}@` : '';
  const port = t.port ? `:${t.port}` : '';
  return `ssh ${user}${t.address ?? ''}${port}`;
}

function serverFacts(server: Server): [string, ReactNode][] {
  const facts: [string, ReactNode][] = [
    ['Transport', transportText(server)],
    ['Allowed roots', <Roots roots={server.allowed_roots} />],
  ];
  if (server.transport.kind === 'ssh') {
    facts.push(
      ['Host key', <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>{server.host_key_fingerprint ?? 'not pinned'}</Text>],
      ['Credentials', server.credential_kind === 'key' ? 'private key' : (server.credential_kind ?? 'none')],
      ['sudo', server.sudo ? 'yes (sudo -n btrfs)' : 'no'],
    );
  }
  facts.push(['Registered', formatTime(server.registered_at)]);
  return facts;
}

function Roots({ roots }: { roots: string[] }) {
  if (roots.length === 0) return <Text size="sm" c="dimmed">none</Text>;
  return (
    <Stack gap={2}>
      {roots.map((root) => (
        <Text key={root} size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
          {root}
        </Text>
      ))}
    </Stack>
  );
}

const serverColumns: Column<Server>[] = [
  {
    label: 'Name',
    bare: false,
    render: (s) => (
      <Anchor component={Link} to={`/servers/${s.id}`} fw={600} size="sm">
        {s.name}
      </Anchor>
    ),
  },
  { label: 'Role', render: (s) => <RoleBadge role={s.role} />, w: 100 },
  { label: 'Transport', render: (s) => transportText(s), w: 180 },
  { label: 'Allowed roots', render: (s) => <Roots roots={s.allowed_roots} /> },
  { label: 'Registered', w: 200, render: (s) => <Time at={s.registered_at} /> },
];

/** Every registered server: the local primary and (later) remotes. */
export function ServersPage() {
  useDocumentTitle('Servers');
  const servers = useServers();
  const isAdmin = useIsAdmin();
  const [adding, setAdding] = useState(false);
  return (
    <Stack gap="md">
      <PageHeader title="Servers">{isAdmin && <Button onClick={() => setAdding(true)}>Add SSH server</Button>}</PageHeader>
      <TableCard
        query={servers}
        errorTitle="Could not load servers"
        columns={serverColumns}
        rowKey={(s) => s.id}
        caption="Servers"
        rowProps={(s) => ({ 'data-testid': 'server-row', 'data-server-name': s.name })}
        empty="No servers yet. dist-btrfs registers the machine it runs on as the primary when it is started with DIST_BTRFS_PRIMARY_ROOTS."
      />
      <AddServerDialog opened={adding} onClose={() => setAdding(false)} />
    </Stack>
  );
}

/** One server: its facts and the subvolumes found on its disk, with "Manage". */
export function ServerPage() {
  const { id = '' } = useParams();
  const [removing, setRemoving] = useState(false);
  const server = useServer(id, !removing);
  const isAdmin = useIsAdmin();
  useDocumentTitle(server.data ? `Server ${server.data.name}` : 'Server');
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/servers" size="sm">
        ← All servers
      </Anchor>
      <QueryState query={server} errorTitle="Could not load the server" skeleton={160}>
        {(data) => (
          <>
            <Group gap="sm" align="center">
              <Title order={2}>{data.name}</Title>
              <RoleBadge role={data.role} />
            </Group>
            <Card withBorder padding="md" radius="md" component="section" aria-label="Server details">
              <FactList label="Server details" facts={serverFacts(data)} />
            </Card>
            <StorageCard serverId={data.id} />
            {isAdmin && data.transport.kind === 'ssh' && <ServerAdminActions server={data} onRemoving={setRemoving} />}
            <Discovered server={data} paused={removing} />
          </>
        )}
      </QueryState>
    </Stack>
  );
}
