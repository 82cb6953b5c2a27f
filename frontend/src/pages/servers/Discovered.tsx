// A server's page: the subvolumes found on its disk under the allowed roots, with "Manage".
import { Alert, Anchor, Badge, Button, Group, Switch, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import type { DiscoveredSubvolume, Server, Subvolume } from '../../api/client';
import { useCanOperate, useDiscoveredSubvolumes } from '../../api/queries';
import { QueryState } from '../../components/QueryState';
import { ResponsiveTable, type Column } from '../../components/ResponsiveTable';
import { Section } from '../../components/Section';
import { ManageDialog } from './ManageDialog';

export function Discovered({ server, paused = false }: { server: Server; paused?: boolean }) {
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

  const extra = (
    <Group gap="sm" wrap="wrap">
      <Switch label="Show read-only (snapshots)" checked={showReadonly} onChange={(e) => setShowReadonly(e.currentTarget.checked)} />
      <Button variant="default" size="xs" onClick={() => void discovered.refetch()} loading={discovered.isFetching}>
        Discover again
      </Button>
    </Group>
  );

  return (
    <Section id="discovered-title" title="Subvolumes on disk" extra={extra}>
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
      <QueryState query={discovered} errorTitle="Could not list the subvolumes on this server">
        {() => (
          <ResponsiveTable
            rows={shown}
            columns={columns}
            rowKey={(d) => d.path}
            caption="Subvolumes on disk"
            rowProps={(d) => ({ 'data-testid': 'discovered-row', 'data-path': d.path })}
            empty="No subvolumes under the allowed roots."
          />
        )}
      </QueryState>
      {hidden > 0 && (
        <Text size="xs" c="dimmed">
          {hidden} read-only subvolume{hidden === 1 ? '' : 's'} (snapshots) hidden.
        </Text>
      )}
      <ManageDialog
        server={server}
        subvolume={managing}
        onClose={() => setManaging(null)}
        onManaged={(s) => {
          setManaging(null);
          setJustManaged(s);
        }}
      />
    </Section>
  );
}
