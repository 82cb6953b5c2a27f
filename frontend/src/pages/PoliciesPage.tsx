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

const columns: Column<Policy>[] = [
  {
    label: 'Name',
    bare: false,
    render: (p) => (
      <Anchor component={Link} to={`/policies/${p.id}`} fw={600} size="sm">
        {p.name}
      </Anchor>
    ),
  },
  {
    label: 'Schedule',
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
  { label: 'Next snapshot', w: 230, render: (p) => <NextSnapshot at={p.next_snapshot_at} replicate={p.replicate_after_snapshot} /> },
  {
    label: 'Retention',
    render: (p) =>
      `${retentionText(p.retention)}; on targets: ${p.target_retention ? retentionText(p.target_retention) : 'never pruned'}`,
  },
  { label: 'Subvolumes', w: 110, render: (p) => String(p.subvolumes.length) },
];

export function PoliciesPage() {
  useDocumentTitle('Policies');
  const policies = usePolicies();
  const canOperate = useCanOperate();
  const navigate = useNavigate();
  return (
    <Stack gap="md">
      <PageHeader title="Policies">{canOperate && <Button onClick={() => void navigate('/policies/new')}>New policy</Button>}</PageHeader>
      <TableCard
        query={policies}
        errorTitle="Could not load policies"
        columns={columns}
        rowKey={(p) => p.id}
        caption="Policies"
        rowProps={(p) => ({ 'data-testid': 'policy-row', 'data-policy-name': p.name })}
        empty="No policies yet. A policy says when snapshots are taken and which are kept."
      />
    </Stack>
  );
}

/** `/policies/new` and `/policies/:id`: the editor, the assignments and the preview. */
export function PolicyPage() {
  const { id = 'new' } = useParams();
  const isNew = id === 'new';
  const [deleting, setDeleting] = useState(false);
  const policy = usePolicy(id, !isNew && !deleting);
  useDocumentTitle(isNew ? 'New policy' : policy.data ? `Policy ${policy.data.name}` : 'Policy');
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/policies" size="sm">
        ← All policies
      </Anchor>
      {isNew ? (
        <PolicyEditor key="new" policy={undefined} onDeleting={setDeleting} />
      ) : (
        <QueryState query={policy} errorTitle="Could not load the policy" skeleton={200}>
          {(data) => <PolicyEditor key={data.id} policy={data} onDeleting={setDeleting} />}
        </QueryState>
      )}
    </Stack>
  );
}
