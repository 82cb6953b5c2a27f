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
import { Trans, useTranslation } from 'react-i18next';

/** Every managed subvolume. */
export function SubvolumesPage() {
  const { t } = useTranslation(['subvolumes', 'common']);
  useDocumentTitle(t('list.title'));
  const subvolumes = useSubvolumes();
  const serverNames = useServerNames();
  const columns: Column<Subvolume>[] = [
    {
      label: t('common:noun.name'),
      bare: true,
      render: (s) => (
        <Anchor component={Link} to={`/subvolumes/${s.id}`} fw={600} size="sm">
          {s.name}
        </Anchor>
      ),
    },
    {
      label: t('common:noun.server'),
      w: 130,
      render: (s) => (
        <Anchor component={Link} to={`/servers/${s.server_id}`} size="sm">
          {serverNames.get(s.server_id) ?? shortUuid(s.server_id)}
        </Anchor>
      ),
    },
    { label: t('common:noun.path'), render: (s) => <Mono>{s.path}</Mono> },
    { label: t('list.snapshotDir'), render: (s) => <Mono>{s.snapshot_dir}</Mono> },
    { label: t('list.lastError'), render: (s) => <SnapshotError subvolume={s} /> },
  ];
  return (
    <Stack gap="md">
      <Title order={2}>{t('list.title')}</Title>
      <TableCard
        query={subvolumes}
        errorTitle={t('list.failed')}
        columns={columns}
        rowKey={(s) => s.id}
        caption={t('list.caption')}
        rowProps={(s) => ({ 'data-testid': 'subvolume-row', 'data-name': s.name })}
        minWidth={760}
        empty={
          <Trans t={t} i18nKey="list.empty" components={{ servers: <Anchor component={Link} to="/servers" /> }} />
        }
      />
    </Stack>
  );
}

/** One subvolume: its facts, actions and snapshots. */
export function SubvolumePage() {
  const { t } = useTranslation(['subvolumes', 'common']);
  const { id = '' } = useParams();
  const subvolume = useSubvolume(id);
  useDocumentTitle(subvolume.data ? t('page.title', { name: subvolume.data.name }) : t('common:noun.subvolume'));
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/subvolumes" size="sm">
        {t('page.back')}
      </Anchor>
      <QueryState query={subvolume} errorTitle={t('page.failed')} skeleton={160}>
        {(data) => <SubvolumeDetail subvolume={data} />}
      </QueryState>
    </Stack>
  );
}

/** One snapshot: its facts, hold, replicas, files and restores. */
export function SnapshotPage() {
  const { t } = useTranslation(['subvolumes', 'common']);
  const { id = '', snapshotId = '' } = useParams();
  const subvolume = useSubvolume(id);
  const snapshot = useSnapshot(snapshotId);
  useDocumentTitle(snapshot.data ? t('snapshot.title', { name: snapshot.data.name }) : t('common:noun.snapshot'));
  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/subvolumes/${id}`} size="sm">
        ← {subvolume.data?.name ?? t('common:noun.subvolume')}
      </Anchor>
      <QueryState query={subvolume} errorTitle={t('page.failed')} skeleton={40}>
        {(sv) => (
          <QueryState query={snapshot} errorTitle={t('snapshot.failed')} skeleton={160}>
            {(snap) => <SnapshotDetail snapshot={snap} subvolume={sv} />}
          </QueryState>
        )}
      </QueryState>
    </Stack>
  );
}
