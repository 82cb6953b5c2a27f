// Policies: schedule + retention, which subvolumes follow them, and the retention preview
// (a dry run of what would be kept) shown as a timeline. The editor is in ./policies/.
import { Anchor, Button, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { type Policy, usePolicies, usePolicy } from '../api/policyQueries';
import { useCanOperate } from '../api/queries';
import { PageHeader } from '../components/PageHeader';
import { QueryState } from '../components/QueryState';
import type { Column } from '../components/ResponsiveTable';
import { TableCard } from '../components/TableCard';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { retentionText } from './policies/draft';
import { NextSnapshot } from '../components/NextSnapshot';
import { PolicyEditor } from './policies/PolicyEditor';
import { formatNumber } from '../lib/format';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';

type T = TFunction<['policies', 'subvolumes', 'layout', 'common']>;

const columns = (translate: T): Column<Policy>[] => [
  {
    label: translate('common:noun.name'),
    bare: false,
    render: (p) => (
      <Anchor component={Link} to={`/policies/${p.id}`} fw={600} size="sm">
        {p.name}
      </Anchor>
    ),
  },
  {
    label: translate('policies:list.schedule'),
    w: 220,
    render: (p) => (
      <Text size="sm">
        <Text span ff="monospace">
          {p.schedule.cron}
        </Text>{' '}
        ({p.schedule.time_zone})
      </Text>
    ),
  },
  { label: translate('subvolumes:detail.next'), w: 230, render: (p) => <NextSnapshot at={p.next_snapshot_at} replicate={p.replicate_after_snapshot} /> },
  {
    label: translate('policies:list.retention'),
    render: (p) =>
      translate('policies:list.retentionValue', {
        primary: retentionText(p.retention),
        targets: p.target_retention ? retentionText(p.target_retention) : translate('policies:list.neverPruned'),
      }),
  },
  { label: translate('layout:nav.subvolumes'), w: 110, render: (p) => formatNumber(p.subvolumes.length) },
];

export function PoliciesPage() {
  const { t: translate } = useTranslation(['policies', 'subvolumes', 'layout', 'common']);
  useDocumentTitle(translate('policies:list.title'));
  const policies = usePolicies();
  const canOperate = useCanOperate();
  const navigate = useNavigate();
  return (
    <Stack gap="md">
      <PageHeader title={translate('policies:list.title')}>
        {canOperate && <Button onClick={() => void navigate('/policies/new')}>{translate('policies:list.new')}</Button>}
      </PageHeader>
      <TableCard
        query={policies}
        errorTitle={translate('policies:list.failed')}
        columns={columns(translate)}
        rowKey={(p) => p.id}
        caption={translate('policies:list.title')}
        rowProps={(p) => ({ 'data-testid': 'policy-row', 'data-policy-name': p.name })}
        empty={translate('policies:list.empty')}
      />
    </Stack>
  );
}

/** `/policies/new` and `/policies/:id`: the editor, the assignments and the preview. */
export function PolicyPage() {
  const { t: translate } = useTranslation(['policies', 'common']);
  const { id = 'new' } = useParams();
  const isNew = id === 'new';
  const [deleting, setDeleting] = useState(false);
  const policy = usePolicy(id, !isNew && !deleting);
  useDocumentTitle(isNew ? translate('policies:list.new') : policy.data ? translate('policies:list.docTitle', { name: policy.data.name }) : translate('common:noun.policy'));
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/policies" size="sm">
        {translate('policies:list.back')}
      </Anchor>
      {isNew ? (
        <PolicyEditor key="new" policy={undefined} onDeleting={setDeleting} />
      ) : (
        <QueryState query={policy} errorTitle={translate('policies:list.loadFailed')} skeleton={200}>
          {(data) => <PolicyEditor key={data.id} policy={data} onDeleting={setDeleting} />}
        </QueryState>
      )}
    </Stack>
  );
}
