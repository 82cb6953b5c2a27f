// A target's replicas: browse one, verify it against its snapshot (the last verification:
// OK, or DIFFERS with the differences), or delete it from the target. Deleting the target's
// common base (the parent of its next incremental send) is refused with 409 first; the
// dialog then says why and offers to delete it anyway (the next send there is then full).
import { Anchor, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Target } from '../../api/replicationQueries';
import { type Replica, useDeleteReplica, useTargetReplicas } from '../../api/restoreQueries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { LoadMore } from '../../components/LoadMore';
import { Mono } from '../../components/Mono';
import { QueryState } from '../../components/QueryState';
import { type Column, ResponsiveTable } from '../../components/ResponsiveTable';
import { Section } from '../../components/Section';
import { Time } from '../../components/Time';
import { needsForce, replicaName } from '../../lib/restore';
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

export function ReplicasSection({ target, where, canOperate }: { target: Target; where: string; canOperate: boolean }) {
  const replicas = useTargetReplicas(target.id);
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
    { label: 'Received', w: 200, render: (r) => <Time at={r.recorded_at} /> },
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
      <QueryState query={replicas} errorTitle="Could not load the replicas" skeleton={80}>
        {(rows) => (
          <ResponsiveTable
            rows={rows}
            columns={columns}
            rowKey={(r) => r.id}
            caption="Replicas"
            rowProps={(r) => ({ 'data-testid': 'replica-row', 'data-name': replicaName(r.path) })}
            minWidth={860}
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
