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
import { modeLabel } from '../lib/restore';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { RestoreOutcome, RestoreStateBadge, snapshotHref } from './restore/RestoreStatus';
import { Trans, useTranslation } from 'react-i18next';

export function RestoresPage() {
  const { t } = useTranslation(['restore', 'common']);
  useDocumentTitle(t('list.title'));
  const [subvolumeId, setSubvolumeId] = useState('');
  const restores = useRestores(subvolumeId || undefined);
  const subvolumes = useSubvolumes();
  const items = restores.data?.pages.flatMap((p) => p.items) ?? [];
  const snapshots = useSnapshotsById([...new Set(items.map((r) => r.snapshot_id))]);
  const subvolumeName = new Map((subvolumes.data ?? []).map((s) => [s.id, s.name]));

  const columns: Column<Restore>[] = [
    { label: t('list.requested'), w: 190, bare: true, render: (r) => <Time at={r.requested_at} /> },
    { label: t('list.mode'), w: 140, render: (r) => modeLabel(r.mode) },
    {
      label: t('common:noun.snapshot'),
      render: (r) => (
        <Stack gap={0}>
          <Anchor component={Link} to={snapshotHref(r.subvolume_id, r.snapshot_id)} size="sm" ff="monospace">
            {snapshots.get(r.snapshot_id)?.name ?? shortUuid(r.snapshot_id)}
          </Anchor>
          <Text size="xs" c="dimmed">
            {t('list.of', { subvolume: subvolumeName.get(r.subvolume_id) ?? shortUuid(r.subvolume_id) })}
          </Text>
        </Stack>
      ),
    },
    { label: t('list.state'), w: 110, render: (r) => <RestoreStateBadge state={r.state} /> },
    { label: t('list.result'), render: (r) => <RestoreOutcome restore={r} /> },
    { label: t('list.by'), w: 140, render: (r) => r.requested_by },
  ];

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={2}>{t('list.title')}</Title>
        <NativeSelect
          label={t('common:noun.subvolume')}
          value={subvolumeId}
          onChange={(e) => setSubvolumeId(e.currentTarget.value)}
          data={[{ value: '', label: t('list.all') }, ...(subvolumes.data ?? []).map((s) => ({ value: s.id, label: s.name }))]}
          w={220}
        />
      </Group>
      <Card withBorder padding="md" radius="md">
        <QueryState query={restores} errorTitle={t('list.failed')} skeleton={120}>
          {() => (
            <Stack gap="sm">
              <ResponsiveTable
                rows={items}
                columns={columns}
                rowKey={(r) => r.id}
                caption={t('list.title')}
                rowProps={(r) => ({ 'data-testid': 'restore-row', 'data-state': r.state, 'data-mode': r.mode })}
                minWidth={880}
                empty={
                  <Trans t={t} i18nKey="list.empty" components={{ open: <Anchor component={Link} to="/subvolumes" size="sm" /> }} />
                }
              />
              <LoadMore list={restores} label={t('list.older')} />
            </Stack>
          )}
        </QueryState>
      </Card>
    </Stack>
  );
}
