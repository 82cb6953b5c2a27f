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
import { Trans, useTranslation } from 'react-i18next';

export function Discovered({ server, paused = false }: { server: Server; paused?: boolean }) {
  const { t } = useTranslation(['servers', 'common']);
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
      label: t('common:noun.path'),
      bare: true,
      render: (d) => (
        <Text size="sm" ff="monospace" fw={500} style={{ overflowWrap: 'anywhere' }}>
          {d.path}
        </Text>
      ),
    },
    { label: t('discovered.btrfsId'), w: 90, render: (d) => String(d.btrfs_id) },
    {
      label: t('discovered.kind'),
      w: 110,
      render: (d) => (
        <Badge variant="light" color={d.readonly ? 'gray' : 'teal'} radius="sm" tt="none">
          {d.readonly ? t('discovered.readonly') : t('discovered.writable')}
        </Badge>
      ),
    },
    {
      label: t('discovered.management'),
      w: 230,
      end: true,
      bare: true,
      render: (d) => {
        if (d.managed_subvolume_id) {
          return (
            <Anchor component={Link} to={`/subvolumes/${d.managed_subvolume_id}`} size="sm" aria-label={t('discovered.openManaged', { path: d.path })}>
              {t('discovered.managedOpen')}
            </Anchor>
          );
        }
        if (!d.manageable) {
          return (
            <Text size="sm" c="dimmed" title={t('discovered.badPath')}>
              {t('discovered.cannot')}
            </Text>
          );
        }
        if (!canOperate) return <Text size="sm" c="dimmed">{t('discovered.notManaged')}</Text>;
        return (
          <Button
            size="xs"
            variant="light"
            onClick={() => {
              setJustManaged(null);
              setManaging(d);
            }}
            aria-label={t('discovered.manageLabel', { path: d.path })}
          >
            {t('discovered.manage')}
          </Button>
        );
      },
    },
  ];

  const extra = (
    <Group gap="sm" wrap="wrap">
      <Switch label={t('discovered.showReadonly')} checked={showReadonly} onChange={(e) => setShowReadonly(e.currentTarget.checked)} />
      <Button variant="default" size="xs" onClick={() => void discovered.refetch()} loading={discovered.isFetching}>
        {t('discovered.again')}
      </Button>
    </Group>
  );

  return (
    <Section id="discovered-title" title={t('discovered.title')} extra={extra}>
      {justManaged && (
        <Alert color="teal" variant="light" role="status" title={t('discovered.nowManaged')} withCloseButton onClose={() => setJustManaged(null)}>
          <Text size="sm">
            <Trans
              t={t}
              i18nKey="discovered.managesAs"
              values={{ path: justManaged.path, name: justManaged.name }}
              components={{ open: <Anchor component={Link} to={`/subvolumes/${justManaged.id}`} /> }}
            />
          </Text>
        </Alert>
      )}
      <QueryState query={discovered} errorTitle={t('discovered.failed')}>
        {() => (
          <ResponsiveTable
            rows={shown}
            columns={columns}
            rowKey={(d) => d.path}
            caption={t('discovered.title')}
            rowProps={(d) => ({ 'data-testid': 'discovered-row', 'data-path': d.path })}
            empty={t('discovered.empty')}
          />
        )}
      </QueryState>
      {hidden > 0 && (
        <Text size="xs" c="dimmed">
          {t('discovered.hidden', { count: hidden })}
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
