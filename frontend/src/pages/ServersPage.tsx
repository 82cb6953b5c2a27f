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
import { t as translate } from '../i18n';
import { formatBytes, percent, usageColor } from '../lib/bytes';
import { formatNumber, formatTime } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { AddServerDialog } from './servers/AddServerDialog';
import { Discovered } from './servers/Discovered';
import { ServerAdminActions } from './servers/ServerAdminActions';
import { useTranslation } from 'react-i18next';

export function RoleBadge({ role }: { role: Server['role'] }) {
  return (
    <Badge variant="light" color={role === 'primary' ? 'blue' : 'grape'} radius="sm" tt="none">
      {translate(`servers:role.${role}`)}
    </Badge>
  );
}

export function transportText(server: Server): string {
  const t = server.transport;
  if (t.kind === 'local') return translate('servers:transport.local');
  const user = t.username ? `${t.username}@` : '';
  const port = t.port ? `:${t.port}` : '';
  return `ssh ${user}${t.address ?? ''}${port}`;
}

function credentialText(kind: string | null | undefined): string {
  if (kind === 'key') return translate('servers:credential.key');
  if (kind === 'password') return translate('servers:credential.password');
  return kind ?? translate('servers:credential.none');
}

function serverFacts(server: Server): [string, ReactNode][] {
  const facts: [string, ReactNode][] = [
    [translate('servers:facts.transport'), transportText(server)],
    [translate('servers:facts.roots'), <Roots roots={server.allowed_roots} />],
  ];
  if (server.transport.kind === 'ssh') {
    facts.push(
      [
        translate('servers:facts.hostKey'),
        <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>{server.host_key_fingerprint ?? translate('servers:facts.notPinned')}</Text>,
      ],
      [translate('servers:facts.credentials'), credentialText(server.credential_kind)],
      [translate('servers:facts.sudo'), server.sudo ? translate('servers:facts.sudoYes') : translate('common:state.no')],
    );
  }
  facts.push([translate('servers:facts.registered'), formatTime(server.registered_at)]);
  return facts;
}

function Roots({ roots }: { roots: string[] }) {
  if (roots.length === 0) return <Text size="sm" c="dimmed">{translate('common:state.none')}</Text>;
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
        {translate('servers:reach.notYet')}
      </Text>
    );
  const last = storage.sampled_at ? (
    <Text size="xs" c="dimmed">
      {translate('servers:reach.last')} <Time at={storage.sampled_at} />
    </Text>
  ) : (
    <Text size="xs" c="dimmed">
      {translate('servers:reach.never')}
    </Text>
  );
  return (
    <Stack gap={2} data-reach={storage.error ? 'unreachable' : 'reachable'}>
      {storage.error ? (
        <Badge color="red" variant="light" title={storage.error}>
          {translate('servers:reach.unreachable')}
        </Badge>
      ) : (
        <Badge color="teal" variant="light">
          {translate('servers:reach.reachable')}
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
        {translate('servers:usage.none')}
      </Text>
    );
  const usedPercent = used(fullest);
  // A nearly empty filesystem is not "0%" used.
  const shown = usedPercent > 0 && usedPercent < 1 ? '<1' : formatNumber(Math.round(usedPercent));
  const all = filesystems
    .map((f) => translate('servers:usage.of', { filesystem: f.filesystem, used: formatBytes(f.used_bytes), size: formatBytes(f.size_bytes) }))
    .join('\n');
  return (
    <Stack gap={2} title={all} data-testid="usage-bar" data-percent={usedPercent.toFixed(1)}>
      <Progress
        value={usedPercent}
        color={usageColor(usedPercent)}
        aria-label={translate('servers:usage.label', { filesystem: fullest.filesystem, percent: shown })}
      />
      <Text size="xs" c="dimmed">
        {filesystems.length > 1
          ? translate('servers:usage.fullest', { percent: shown, size: formatBytes(fullest.size_bytes), count: filesystems.length })
          : translate('servers:usage.used', { percent: shown, size: formatBytes(fullest.size_bytes) })}
      </Text>
    </Stack>
  );
}

function serverColumns(storageOf: (id: string) => ServerStorage | undefined): Column<Server>[] {
  return [
    {
      label: translate('common:noun.name'),
      bare: false,
      render: (s) => (
        <Anchor component={Link} to={`/servers/${s.id}`} fw={600} size="sm">
          {s.name}
        </Anchor>
      ),
    },
    { label: translate('servers:list.role'), render: (s) => <RoleBadge role={s.role} />, w: 100 },
    { label: translate('servers:list.reachability'), w: 190, render: (s) => <Reachability storage={storageOf(s.id)} /> },
    { label: translate('servers:list.usage'), w: 200, render: (s) => <UsageBar storage={storageOf(s.id)} /> },
    { label: translate('servers:facts.transport'), render: (s) => transportText(s), w: 180 },
    { label: translate('servers:facts.roots'), render: (s) => <Roots roots={s.allowed_roots} /> },
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
        columns={serverColumns(storageOf)}
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
              <FactList label={t('page.details')} facts={serverFacts(data)} />
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
