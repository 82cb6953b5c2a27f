// The Servers list and one server's page; the admin forms and the subvolumes on its disk
// are in ./servers/.
import { Anchor, Badge, Button, Card, Group, Progress, Stack, Text, Title } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { useIsAdmin } from '../api/accountQueries';
import type { Server } from '../api/client';
import { useServer, useServers } from '../api/queries';
import { type FilesystemStorage, type ServerStorage, useStorage } from '../api/storage';
import { FactList } from '../components/FactList';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import type { Column } from '../components/ResponsiveTable';
import { StorageCard } from '../components/StorageCard';
import { TableCard } from '../components/TableCard';
import { Time } from '../components/Time';
import { formatBytes, percent } from '../lib/bytes';
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

/** Whether the last contact worked, and when the last one that did was. */
function Reachability({ storage }: { storage: ServerStorage | undefined }) {
  if (!storage?.attempted_at)
    return (
      <Text size="sm" c="dimmed" data-reach="unknown">
        not contacted yet
      </Text>
    );
  const last = storage.sampled_at ? (
    <Text size="xs" c="dimmed">
      last contact <Time at={storage.sampled_at} />
    </Text>
  ) : (
    <Text size="xs" c="dimmed">
      never reached
    </Text>
  );
  return (
    <Stack gap={2} data-reach={storage.error ? 'unreachable' : 'reachable'}>
      {storage.error ? (
        <Badge color="red" variant="light" title={storage.error}>
          unreachable
        </Badge>
      ) : (
        <Badge color="teal" variant="light">
          reachable
        </Badge>
      )}
      {last}
    </Stack>
  );
}

/** The fullest filesystem's usage as a bar (the others in its title). */
function UsageBar({ storage }: { storage: ServerStorage | undefined }) {
  const filesystems = storage?.filesystems ?? [];
  const used = (f: FilesystemStorage) => percent(f.used_bytes, f.size_bytes);
  const fullest = [...filesystems].sort((a, b) => used(b) - used(a))[0];
  if (!fullest)
    return (
      <Text size="sm" c="dimmed">
        no figures yet
      </Text>
    );
  const usedPercent = used(fullest);
  // A nearly empty filesystem is not "0%" used.
  const shown = usedPercent > 0 && usedPercent < 1 ? '<1' : String(Math.round(usedPercent));
  const all = filesystems.map((f) => `${f.filesystem}: ${formatBytes(f.used_bytes)} of ${formatBytes(f.size_bytes)}`).join('\n');
  return (
    <Stack gap={2} title={all} data-testid="usage-bar" data-percent={usedPercent.toFixed(1)}>
      <Progress value={usedPercent} color={usedPercent >= 95 ? 'red' : usedPercent >= 85 ? 'orange' : 'teal'} aria-label={`${fullest.filesystem} ${shown}% used`} />
      <Text size="xs" c="dimmed">
        {shown}% of {formatBytes(fullest.size_bytes)} used
        {filesystems.length > 1 ? ` (fullest of ${filesystems.length})` : ''}
      </Text>
    </Stack>
  );
}

function serverColumns(storageOf: (id: string) => ServerStorage | undefined): Column<Server>[] {
  return [
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
    { label: 'Reachability', w: 190, render: (s) => <Reachability storage={storageOf(s.id)} /> },
    { label: 'Filesystem usage', w: 200, render: (s) => <UsageBar storage={storageOf(s.id)} /> },
    { label: 'Transport', render: (s) => transportText(s), w: 180 },
    { label: 'Allowed roots', render: (s) => <Roots roots={s.allowed_roots} /> },
  ];
}

/** Every registered server: the local primary and (later) remotes. */
export function ServersPage() {
  useDocumentTitle('Servers');
  const servers = useServers();
  const storage = useStorage();
  const storageOf = (id: string) => storage.data?.find((x) => x.server_id === id);
  const isAdmin = useIsAdmin();
  const [adding, setAdding] = useState(false);
  return (
    <Stack gap="md">
      <PageHeader title="Servers">{isAdmin && <Button onClick={() => setAdding(true)}>Add SSH server</Button>}</PageHeader>
      <TableCard
        query={servers}
        errorTitle="Could not load servers"
        columns={serverColumns(storageOf)}
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
