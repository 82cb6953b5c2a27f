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
import { formatBytes, percent, usageColor } from '../lib/bytes';
import { formatNumber, formatTime } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { AddServerDialog } from './servers/AddServerDialog';
import { Discovered } from './servers/Discovered';
import { ServerAdminActions } from './servers/ServerAdminActions';
import type { TFunction } from 'i18next';
import { Trans, useTranslation } from 'react-i18next';

type T = TFunction<['servers', 'common']>;

export function RoleBadge({ role }: { role: Server['role'] }) {
  const { t } = useTranslation('servers');
  return (
    <Badge variant="light" color={role === 'primary' ? 'blue' : 'grape'} radius="sm" tt="none">
      {t(`role.${role}`)}
    </Badge>
  );
}

/** "local", or the SSH destination (`ssh user@host:port`, not language). */
export function transportText(server: Server, t: T): string {
  const transport = server.transport;
  if (transport.kind === 'local') return t('transport.local');
  const user = transport.username ? `${transport.username}@` : '';
  const port = transport.port ? `:${transport.port}` : '';
  return `ssh ${user}${transport.address ?? ''}${port}`; // i18n-ignore: an SSH destination
}

/** The stored credential's kind (one the dashboard does not know is shown as it comes). */
function credentialText(kind: string | null | undefined, t: T): string {
  if (kind === 'key') return t('credential.key');
  if (kind === 'password') return t('credential.password');
  return kind ?? t('credential.none');
}

function serverFacts(server: Server, t: T): [string, ReactNode][] {
  const facts: [string, ReactNode][] = [
    [t('facts.transport'), transportText(server, t)],
    [t('facts.roots'), <Roots roots={server.allowed_roots} />],
  ];
  if (server.transport.kind === 'ssh') {
    facts.push(
      [
        t('facts.hostKey'),
        <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>{server.host_key_fingerprint ?? t('facts.notPinned')}</Text>,
      ],
      [t('facts.credentials'), credentialText(server.credential_kind, t)],
      [t('facts.sudo'), server.sudo ? t('facts.sudoYes') : t('common:state.no')],
    );
  }
  facts.push([t('facts.registered'), formatTime(server.registered_at)]);
  return facts;
}

function Roots({ roots }: { roots: string[] }) {
  const { t } = useTranslation('common');
  if (roots.length === 0) return <Text size="sm" c="dimmed">{t('state.none')}</Text>;
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
  const { t } = useTranslation('servers');
  if (!storage?.attempted_at)
    return (
      <Text size="sm" c="dimmed" data-reach="unknown">
        {t('reach.notYet')}
      </Text>
    );
  const last = storage.sampled_at ? (
    <Text size="xs" c="dimmed">
      <Trans t={t} i18nKey="reach.last" components={{ time: <Time at={storage.sampled_at} /> }} />
    </Text>
  ) : (
    <Text size="xs" c="dimmed">
      {t('reach.never')}
    </Text>
  );
  return (
    <Stack gap={2} data-reach={storage.error ? 'unreachable' : 'reachable'}>
      {storage.error ? (
        <Badge color="red" variant="light" title={storage.error}>
          {t('reach.unreachable')}
        </Badge>
      ) : (
        <Badge color="teal" variant="light">
          {t('reach.reachable')}
        </Badge>
      )}
      {last}
    </Stack>
  );
}

/** The fullest filesystem's usage as a bar (the others in its title). */
function UsageBar({ storage }: { storage: ServerStorage | undefined }) {
  const { t } = useTranslation('servers');
  const filesystems = storage?.filesystems ?? [];
  const used = (f: FilesystemStorage) => percent(f.used_bytes, f.size_bytes);
  const fullest = [...filesystems].sort((a, b) => used(b) - used(a))[0];
  if (!fullest)
    return (
      <Text size="sm" c="dimmed">
        {t('usage.none')}
      </Text>
    );
  const usedPercent = used(fullest);
  // A nearly empty filesystem is not "0%" used.
  const shown = usedPercent > 0 && usedPercent < 1 ? '<1' : formatNumber(Math.round(usedPercent));
  const all = filesystems
    .map((f) => t('usage.of', { filesystem: f.filesystem, used: formatBytes(f.used_bytes), size: formatBytes(f.size_bytes) }))
    .join('\n');
  return (
    <Stack gap={2} title={all} data-testid="usage-bar" data-percent={usedPercent.toFixed(1)}>
      <Progress
        value={usedPercent}
        color={usageColor(usedPercent)}
        aria-label={t('usage.label', { filesystem: fullest.filesystem, percent: shown })}
      />
      <Text size="xs" c="dimmed">
        {filesystems.length > 1
          ? t('usage.fullest', { percent: shown, size: formatBytes(fullest.size_bytes), count: filesystems.length })
          : t('usage.used', { percent: shown, size: formatBytes(fullest.size_bytes) })}
      </Text>
    </Stack>
  );
}

function serverColumns(t: T, storageOf: (id: string) => ServerStorage | undefined): Column<Server>[] {
  return [
    {
      label: t('common:noun.name'),
      bare: false,
      render: (s) => (
        <Anchor component={Link} to={`/servers/${s.id}`} fw={600} size="sm">
          {s.name}
        </Anchor>
      ),
    },
    { label: t('list.role'), render: (s) => <RoleBadge role={s.role} />, w: 100 },
    { label: t('list.reachability'), w: 190, render: (s) => <Reachability storage={storageOf(s.id)} /> },
    { label: t('list.usage'), w: 200, render: (s) => <UsageBar storage={storageOf(s.id)} /> },
    { label: t('facts.transport'), render: (s) => transportText(s, t), w: 180 },
    { label: t('facts.roots'), render: (s) => <Roots roots={s.allowed_roots} /> },
  ];
}

/** Every registered server: the local primary and (later) remotes. */
export function ServersPage() {
  const { t } = useTranslation(['servers', 'common']);
  useDocumentTitle(t('list.title'));
  const servers = useServers();
  const storage = useStorage();
  const storageOf = (id: string) => storage.data?.find((x) => x.server_id === id);
  const isAdmin = useIsAdmin();
  const [adding, setAdding] = useState(false);
  return (
    <Stack gap="md">
      <PageHeader title={t('list.title')}>{isAdmin && <Button onClick={() => setAdding(true)}>{t('list.add')}</Button>}</PageHeader>
      <TableCard
        query={servers}
        errorTitle={t('list.failed')}
        columns={serverColumns(t, storageOf)}
        rowKey={(s) => s.id}
        caption={t('list.title')}
        rowProps={(s) => ({ 'data-testid': 'server-row', 'data-server-name': s.name })}
        empty={t('list.empty')}
      />
      <AddServerDialog opened={adding} onClose={() => setAdding(false)} />
    </Stack>
  );
}

/** One server: its facts and the subvolumes found on its disk, with "Manage". */
export function ServerPage() {
  const { t } = useTranslation(['servers', 'common']);
  const { id = '' } = useParams();
  const [removing, setRemoving] = useState(false);
  const server = useServer(id, !removing);
  const isAdmin = useIsAdmin();
  useDocumentTitle(server.data ? t('page.title', { name: server.data.name }) : t('common:noun.server'));
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/servers" size="sm">
        {t('page.back')}
      </Anchor>
      <QueryState query={server} errorTitle={t('page.failed')} skeleton={160}>
        {(data) => (
          <>
            <Group gap="sm" align="center">
              <Title order={2}>{data.name}</Title>
              <RoleBadge role={data.role} />
            </Group>
            <Card withBorder padding="md" radius="md" component="section" aria-label={t('page.details')}>
              <FactList label={t('page.details')} facts={serverFacts(data, t)} />
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
