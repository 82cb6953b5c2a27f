// A target's replicas, each with its size, when it was received, whether it is the
// target's incremental base and what the next prune would do to it and why (planned now
// by the policy's target retention; GET /targets/{id}/retention). Browse one, verify it against its snapshot (the last verification:
// OK, or DIFFERS with the differences), or delete it from the target. Deleting the target's
// common base (the parent of its next incremental send) is refused with 409 first; the
// dialog then says why and offers to delete it anyway (the next send there is then full).
import { Anchor, Badge, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Target } from '../../api/replicationQueries';
import { type PlannedReplica, type Replica, type TargetRetention, useDeleteReplica, useTargetReplicas, useTargetRetention } from '../../api/restoreQueries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { LoadMore } from '../../components/LoadMore';
import { Mono } from '../../components/Mono';
import { QueryState } from '../../components/QueryState';
import { type Column, ResponsiveTable } from '../../components/ResponsiveTable';
import { Section } from '../../components/Section';
import { SnapshotSize } from '../../components/SnapshotSize';
import { Time } from '../../components/Time';
import { needsForce, replicaName } from '../../lib/restore';
import { retentionText } from '../policies/draft';
import { snapshotHref } from '../restore/RestoreStatus';
import { ReplicaVerification, replicaHref } from '../restore/replicas';
import { VerifyDialog } from './VerifyDialog';

function DeleteReplicaDialog({ replica, where, onClose }: { replica: Replica; where: string; onClose: () => void }) {
  const remove = useDeleteReplica();
  const [refused, setRefused] = useState<unknown>(null);
  const run = (force: boolean) =>
    remove.mutate(
      { id: replica.id, force },
      {
        onSuccess: onClose,
        onError: (e) => {
          if (!force && needsForce(e)) setRefused(e);
        },
      },
    );
  return (
    <Modal opened onClose={onClose} title="Delete this replica?" centered>
      <Stack gap="md">
        <Text size="sm">
          <Mono>{replica.path}</Mono> is deleted from {where}. The snapshot on the primary is not touched.
        </Text>
        {refused ? (
          <>
            <ErrorNotice title="This replica is the target’s common base" error={refused} />
            <Text size="sm">
              The next replication to this target sends its snapshots incrementally from this replica. Deleted anyway,
              the next replication to this target will be a full send of the whole subvolume.
            </Text>
            {remove.error !== refused && remove.isError && <ErrorNotice title="Could not delete the replica" error={remove.error} />}
          </>
        ) : (
          remove.isError && <ErrorNotice title="Could not delete the replica" error={remove.error} />
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          {refused ? (
            <Button color="red" loading={remove.isPending} onClick={() => run(true)}>
              Delete anyway (force)
            </Button>
          ) : (
            <Button color="red" loading={remove.isPending} onClick={() => run(false)} data-autofocus>
              Delete replica
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}

/** What the next prune does to a replica, and why. */
function NextPrune({ plan, retention }: { plan: PlannedReplica | undefined; retention: TargetRetention | undefined }) {
  if (!retention) return <Text size="sm" c="dimmed">…</Text>;
  if (!plan) return <Text size="sm" c="dimmed">not planned yet</Text>;
  if (!retention.target_retention) return <Text size="sm">kept (no target retention)</Text>;
  if (plan.action === 'delete')
    return (
      <Badge color="red" variant="light" title="No rule of the target retention keeps it">
        deleted at the next prune
      </Badge>
    );
  return (
    <Text size="sm">
      kept: {plan.reasons.join(', ')}
    </Text>
  );
}

/** One line over the table: the target retention and what the next prune deletes. */
function RetentionSummary({ retention }: { retention: TargetRetention }) {
  if (!retention.target_retention)
    return (
      <Text size="sm" c="dimmed" data-testid="target-retention">
        {retention.policy_id ? 'Its policy has no target retention' : 'Its subvolume follows no policy'}: replicas on
        this target are never pruned.
      </Text>
    );
  return (
    <Text size="sm" data-testid="target-retention">
      Target retention: {retentionText(retention.target_retention)}. The next prune deletes {retention.delete} of{' '}
      {retention.keep + retention.delete} replicas.
    </Text>
  );
}

export function ReplicasSection({ target, where, canOperate }: { target: Target; where: string; canOperate: boolean }) {
  const replicas = useTargetReplicas(target.id);
  const retention = useTargetRetention(target.id);
  // One lookup per row and column, not a scan of the plan.
  const plans = new Map((retention.data?.replicas ?? []).map((p) => [p.replica_id, p]));
  const planOf = (r: Replica) => plans.get(r.id);
  const [deleting, setDeleting] = useState<Replica | null>(null);
  const [verifying, setVerifying] = useState<Replica | null>(null);
  const columns: Column<Replica>[] = [
    {
      label: 'Snapshot',
      bare: true,
      render: (r) => (
        <Anchor component={Link} to={snapshotHref(target.subvolume_id, r.snapshot_id)} size="sm" ff="monospace">
          {replicaName(r.path)}
        </Anchor>
      ),
    },
    { label: 'Size', w: 110, render: (r) => <SnapshotSize bytes={planOf(r)?.size_bytes} /> },
    { label: 'Received', w: 200, render: (r) => <Time at={r.recorded_at} /> },
    {
      label: 'Base',
      w: 90,
      render: (r) =>
        planOf(r)?.pinned_as_base ? (
          <Badge variant="light" title="The target's common base: the next incremental send starts from it">
            base
          </Badge>
        ) : null,
    },
    { label: 'Next prune', w: 260, render: (r) => <NextPrune plan={planOf(r)} retention={retention.data} /> },
    { label: 'Verified', w: 260, render: (r) => <ReplicaVerification replica={r} detailed /> },
    {
      label: 'Actions',
      w: 230,
      end: true,
      bare: true,
      render: (r) =>
        canOperate ? (
          <Group gap={6} justify="flex-end" wrap="nowrap">
            <Button component={Link} to={replicaHref(r)} size="xs" variant="default" aria-label={`Browse ${replicaName(r.path)}`}>
              Browse
            </Button>
            <Button size="xs" variant="light" aria-label={`Verify ${replicaName(r.path)}`} onClick={() => setVerifying(r)}>
              Verify
            </Button>
            <Button size="xs" variant="light" color="red" aria-label={`Delete ${replicaName(r.path)}`} onClick={() => setDeleting(r)}>
              Delete
            </Button>
          </Group>
        ) : null,
    },
  ];
  return (
    <Section id="replicas-title" title="Replicas">
      {retention.isError && <ErrorNotice title="Could not plan the next prune" error={retention.error} />}
      {retention.data && <RetentionSummary retention={retention.data} />}
      <QueryState query={replicas} errorTitle="Could not load the replicas" skeleton={80}>
        {(rows) => (
          <ResponsiveTable
            rows={rows}
            columns={columns}
            rowKey={(r) => r.id}
            caption="Replicas"
            rowProps={(r) => ({ 'data-testid': 'replica-row', 'data-name': replicaName(r.path) })}
            minWidth={1200}
            empty="No replicas on this target yet."
          />
        )}
      </QueryState>
      <LoadMore list={replicas} label="Load more replicas" />
      {deleting && <DeleteReplicaDialog replica={deleting} where={where} onClose={() => setDeleting(null)} />}
      {verifying && <VerifyDialog replica={verifying} where={where} onClose={() => setVerifying(null)} />}
    </Section>
  );
}
