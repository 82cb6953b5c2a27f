import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  Skeleton,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useIsAdmin } from '../api/accountQueries';
import { Link, useParams } from 'react-router';
import type { DiscoveredSubvolume, Server, Subvolume } from '../api/client';
import { useCanOperate, useDiscoveredSubvolumes, useManageSubvolume, useServer, useServers } from '../api/queries';
import { ErrorNotice } from '../components/ErrorNotice';
import { FactList } from '../components/FactList';
import { ResponsiveTable, type Column } from '../components/ResponsiveTable';
import { defaultSnapshotDir, formatTime } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { StorageCard } from '../components/StorageCard';
import { AddServerDialog, ServerAdminActions } from './ServerForms';

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
  {
    label: 'Registered',
    w: 200,
    render: (s) => (
      <Text size="sm" title={s.registered_at}>
        {formatTime(s.registered_at)}
      </Text>
    ),
  },
];

/** Every registered server: the local primary and (later) remotes. */
export function ServersPage() {
  useDocumentTitle('Servers');
  const servers = useServers();
  const isAdmin = useIsAdmin();
  const [adding, setAdding] = useState(false);
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={2}>Servers</Title>
        {isAdmin && <Button onClick={() => setAdding(true)}>Add SSH server</Button>}
      </Group>
      <Card withBorder padding="md" radius="md">
        {servers.isPending && <Skeleton h={120} />}
        {servers.isError && (
          <ErrorNotice title="Could not load servers" error={servers.error} onRetry={() => void servers.refetch()} />
        )}
        {servers.data &&
          (servers.data.length > 0 ? (
            <ResponsiveTable
              rows={servers.data}
              columns={serverColumns}
              rowKey={(s) => s.id}
              caption="Servers"
              rowProps={(s) => ({ 'data-testid': 'server-row', 'data-server-name': s.name })}
            />
          ) : (
            <Text c="dimmed" size="sm">
              No servers yet. dist-btrfs registers the machine it runs on as the primary when it is started with
              DIST_BTRFS_PRIMARY_ROOTS.
            </Text>
          ))}
      </Card>
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
      {server.isPending && <Skeleton h={160} />}
      {server.isError && (
        <ErrorNotice title="Could not load the server" error={server.error} onRetry={() => void server.refetch()} />
      )}
      {server.data && (
        <>
          <Group gap="sm" align="center">
            <Title order={2}>{server.data.name}</Title>
            <RoleBadge role={server.data.role} />
          </Group>
          <Card withBorder padding="md" radius="md" component="section" aria-label="Server details">
            <FactList label="Server details" facts={serverFacts(server.data)} />
          </Card>
          <StorageCard serverId={server.data.id} />
          {isAdmin && server.data.transport.kind === 'ssh' && <ServerAdminActions server={server.data} onRemoving={setRemoving} />}
          <Discovered server={server.data} paused={removing} />
        </>
      )}
    </Stack>
  );
}

function Discovered({ server, paused = false }: { server: Server; paused?: boolean }) {
  const discovered = useDiscoveredSubvolumes(server.id, !paused);
  const canOperate = useCanOperate();
  const [showReadonly, setShowReadonly] = useState(false);
  const [managing, setManaging] = useState<DiscoveredSubvolume | null>(null);
  const [justManaged, setJustManaged] = useState<Subvolume | null>(null);

  const all = discovered.data ?? [];
  const shown = showReadonly ? all : all.filter((d) => !d.readonly);
  const hidden = all.length - shown.length;

  const columns: Column<DiscoveredSubvolume>[] = [
    {
      label: 'Path',
      bare: true,
      render: (d) => (
        <Text size="sm" ff="monospace" fw={500} style={{ overflowWrap: 'anywhere' }}>
          {d.path}
        </Text>
      ),
    },
    { label: 'btrfs id', w: 90, render: (d) => String(d.btrfs_id) },
    {
      label: 'Kind',
      w: 110,
      render: (d) => (
        <Badge variant="light" color={d.readonly ? 'gray' : 'teal'} radius="sm" tt="none">
          {d.readonly ? 'read-only' : 'writable'}
        </Badge>
      ),
    },
    {
      label: 'Management',
      w: 230,
      end: true,
      bare: true,
      render: (d) => {
        if (d.managed_subvolume_id) {
          return (
            <Anchor component={Link} to={`/subvolumes/${d.managed_subvolume_id}`} size="sm" aria-label={`Open managed subvolume ${d.path}`}>
              Managed · open
            </Anchor>
          );
        }
        if (!d.manageable) {
          return (
            <Text size="sm" c="dimmed" title="Its path has characters dist-btrfs does not accept (spaces, quotes, …).">
              Cannot be managed
            </Text>
          );
        }
        if (!canOperate) return <Text size="sm" c="dimmed">Not managed</Text>;
        return (
          <Button
            size="xs"
            variant="light"
            onClick={() => {
              setJustManaged(null);
              setManaging(d);
            }}
            aria-label={`Manage ${d.path}`}
          >
            Manage
          </Button>
        );
      },
    },
  ];

  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby="discovered-title">
      <Stack gap="sm">
        <Group justify="space-between" align="center" wrap="wrap">
          <Title order={3} size="h4" id="discovered-title">
            Subvolumes on disk
          </Title>
          <Group gap="sm" wrap="wrap">
            <Switch
              label="Show read-only (snapshots)"
              checked={showReadonly}
              onChange={(e) => setShowReadonly(e.currentTarget.checked)}
            />
            <Button variant="default" size="xs" onClick={() => void discovered.refetch()} loading={discovered.isFetching}>
              Discover again
            </Button>
          </Group>
        </Group>
        {justManaged && (
          <Alert color="teal" variant="light" role="status" title="Now managed" withCloseButton onClose={() => setJustManaged(null)}>
            <Text size="sm">
              dist-btrfs manages {justManaged.path} as “{justManaged.name}”.{' '}
              <Anchor component={Link} to={`/subvolumes/${justManaged.id}`}>
                Open it
              </Anchor>
            </Text>
          </Alert>
        )}
        {discovered.isPending && <Skeleton h={120} />}
        {discovered.isError && (
          <ErrorNotice
            title="Could not list the subvolumes on this server"
            error={discovered.error}
            onRetry={() => void discovered.refetch()}
          />
        )}
        {discovered.data &&
          (shown.length > 0 ? (
            <ResponsiveTable
              rows={shown}
              columns={columns}
              rowKey={(d) => d.path}
              caption="Subvolumes on disk"
              rowProps={(d) => ({ 'data-testid': 'discovered-row', 'data-path': d.path })}
            />
          ) : (
            <Text size="sm" c="dimmed">
              No subvolumes under the allowed roots.
            </Text>
          ))}
        {hidden > 0 && (
          <Text size="xs" c="dimmed">
            {hidden} read-only subvolume{hidden === 1 ? '' : 's'} (snapshots) hidden.
          </Text>
        )}
      </Stack>
      <ManageDialog
        server={server}
        subvolume={managing}
        onClose={() => setManaging(null)}
        onManaged={(s) => {
          setManaging(null);
          setJustManaged(s);
        }}
      />
    </Card>
  );
}

function ManageDialog({
  server,
  subvolume,
  onClose,
  onManaged,
}: {
  server: Server;
  subvolume: DiscoveredSubvolume | null;
  onClose: () => void;
  onManaged: (s: Subvolume) => void;
}) {
  return (
    <Modal opened={subvolume !== null} onClose={onClose} title="Manage subvolume" centered>
      {subvolume && (
        <ManageForm key={subvolume.path} server={server} subvolume={subvolume} onClose={onClose} onManaged={onManaged} />
      )}
    </Modal>
  );
}

function ManageForm({
  server,
  subvolume,
  onClose,
  onManaged,
}: {
  server: Server;
  subvolume: DiscoveredSubvolume;
  onClose: () => void;
  onManaged: (s: Subvolume) => void;
}) {
  const [snapshotDir, setSnapshotDir] = useState(() => defaultSnapshotDir(subvolume.path, server.allowed_roots));
  const [name, setName] = useState('');
  const manage = useManageSubvolume();
  const defaultName = subvolume.path.split('/').filter(Boolean).pop() ?? '';
  const dirError = snapshotDir.trim().startsWith('/') ? null : 'Enter an absolute path.';
  const [touched, setTouched] = useState(false);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (dirError) return;
    const trimmed = name.trim();
    manage.mutate(
      { server_id: server.id, path: subvolume.path, snapshot_dir: snapshotDir.trim(), ...(trimmed ? { name: trimmed } : {}) },
      { onSuccess: onManaged },
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Manage subvolume">
      <Stack gap="md">
        <Text size="sm">
          Start managing <Text span ff="monospace">{subvolume.path}</Text> on {server.name}. Nothing on disk changes until
          a snapshot is taken.
        </Text>
        <TextInput
          label="Snapshot directory"
          description="An existing directory under an allowed root, outside the subvolume."
          value={snapshotDir}
          onChange={(e) => setSnapshotDir(e.currentTarget.value)}
          error={touched ? dirError : null}
          autoComplete="off"
          required
        />
        <TextInput
          label="Name (optional)"
          description={`Prefix of snapshot names. Default: ${defaultName}`}
          placeholder={defaultName}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          autoComplete="off"
        />
        {manage.isError && <ErrorNotice title="Could not manage the subvolume" error={manage.error} />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={manage.isPending}>
            Manage
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
