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
import { Trans, useTranslation } from 'react-i18next';

function DeleteReplicaDialog({ replica, where, onClose }: { replica: Replica; where: string; onClose: () => void }) {
  const { t } = useTranslation(['replication', 'common']);
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
    <Modal opened onClose={onClose} title={t('replicas.deleteTitle')} centered>
      <Stack gap="md">
        <Text size="sm">
          <Trans t={t} i18nKey="replicas.deleteText" values={{ path: replica.path, where }} components={{ mono: <Mono>{null}</Mono> }} />
        </Text>
        {refused ? (
          <>
            <ErrorNotice title={t('replicas.isBase')} error={refused} />
            <Text size="sm">
              {t('replicas.baseExplain')}
            </Text>
            {remove.error !== refused && remove.isError && <ErrorNotice title={t('replicas.deleteFailed')} error={remove.error} />}
          </>
        ) : (
          remove.isError && <ErrorNotice title={t('replicas.deleteFailed')} error={remove.error} />
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            {t('common:actions.cancel')}
          </Button>
          {refused ? (
            <Button color="red" loading={remove.isPending} onClick={() => run(true)}>
              {t('replicas.deleteForce')}
            </Button>
          ) : (
            <Button color="red" loading={remove.isPending} onClick={() => run(false)} data-autofocus>
              {t('replicas.deleteConfirm')}
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}

/** What the next prune does to a replica, and why. */
function NextPrune({ plan, retention }: { plan: PlannedReplica | undefined; retention: TargetRetention | undefined }) {
  const { t } = useTranslation(['replication', 'common']);
  if (!retention) return <Text size="sm" c="dimmed">…</Text>;
  if (!plan) return <Text size="sm" c="dimmed">{t('replicas.notPlanned')}</Text>;
  if (!retention.target_retention) return <Text size="sm">{t('replicas.keptNoRetention')}</Text>;
  if (plan.action === 'delete')
    return (
      <Badge color="red" variant="light" title={t('replicas.noRule')}>
        {t('replicas.deletedNext')}
      </Badge>
    );
  return (
    <Text size="sm">
      {t('replicas.kept', { reasons: plan.reasons.join(', ') })}
    </Text>
  );
}

/** One line over the table: the target retention and what the next prune deletes. */
function RetentionSummary({ retention }: { retention: TargetRetention }) {
  const { t } = useTranslation(['replication', 'common']);
  if (!retention.target_retention)
    return (
      <Text size="sm" c="dimmed" data-testid="target-retention">
        {retention.policy_id ? t('replicas.noTargetRetention') : t('replicas.noPolicy')}
      </Text>
    );
  return (
    <Text size="sm" data-testid="target-retention">
      {t('replicas.retentionLine', {
        rules: retentionText(retention.target_retention),
        delete: retention.delete,
        count: retention.keep + retention.delete,
      })}
    </Text>
  );
}

export function ReplicasSection({ target, where, canOperate }: { target: Target; where: string; canOperate: boolean }) {
  const { t } = useTranslation(['replication', 'common']);
  const replicas = useTargetReplicas(target.id);
  const retention = useTargetRetention(target.id);
  // One lookup per row and column, not a scan of the plan.
  const plans = new Map((retention.data?.replicas ?? []).map((p) => [p.replica_id, p]));
  const planOf = (r: Replica) => plans.get(r.id);
  const [deleting, setDeleting] = useState<Replica | null>(null);
  const [verifying, setVerifying] = useState<Replica | null>(null);
  const columns: Column<Replica>[] = [
    {
      label: t('common:noun.snapshot'),
      bare: true,
      render: (r) => (
        <Anchor component={Link} to={snapshotHref(target.subvolume_id, r.snapshot_id)} size="sm" ff="monospace">
          {replicaName(r.path)}
        </Anchor>
      ),
    },
    { label: t('common:noun.size'), w: 110, render: (r) => <SnapshotSize bytes={planOf(r)?.size_bytes} /> },
    { label: t('replicas.received'), w: 200, render: (r) => <Time at={r.recorded_at} /> },
    {
      label: t('replicas.baseCol'),
      w: 90,
      render: (r) =>
        planOf(r)?.pinned_as_base ? (
          <Badge variant="light" title={t('replicas.baseTitle')}>
            {t('replicas.base')}
          </Badge>
        ) : null,
    },
    { label: t('replicas.nextPrune'), w: 260, render: (r) => <NextPrune plan={planOf(r)} retention={retention.data} /> },
    { label: t('replicas.verified'), w: 260, render: (r) => <ReplicaVerification replica={r} detailed /> },
    {
      label: t('common:noun.actions'),
      w: 230,
      end: true,
      bare: true,
      render: (r) =>
        canOperate ? (
          <Group gap={6} justify="flex-end" wrap="nowrap">
            <Button component={Link} to={replicaHref(r)} size="xs" variant="default" aria-label={t('replicas.browseLabel', { name: replicaName(r.path) })}>
              {t('replicas.browse')}
            </Button>
            <Button size="xs" variant="light" aria-label={t('replicas.verifyLabel', { name: replicaName(r.path) })} onClick={() => setVerifying(r)}>
              {t('replicas.verify')}
            </Button>
            <Button size="xs" variant="light" color="red" aria-label={t('replicas.deleteLabel', { name: replicaName(r.path) })} onClick={() => setDeleting(r)}>
              {t('common:actions.delete')}
            </Button>
          </Group>
        ) : null,
    },
  ];
  return (
    <Section id="replicas-title" title={t('replicas.title')}>
      {retention.isError && <ErrorNotice title={t('replicas.planFailed')} error={retention.error} />}
      {retention.data && <RetentionSummary retention={retention.data} />}
      <QueryState query={replicas} errorTitle={t('replica.listFailed')} skeleton={80}>
        {(rows) => (
          <ResponsiveTable
            rows={rows}
            columns={columns}
            rowKey={(r) => r.id}
            caption={t('replicas.title')}
            rowProps={(r) => ({ 'data-testid': 'replica-row', 'data-name': replicaName(r.path) })}
            minWidth={1200}
            empty={t('replicas.empty')}
          />
        )}
      </QueryState>
      <LoadMore list={replicas} label={t('replicas.more')} />
      {deleting && <DeleteReplicaDialog replica={deleting} where={where} onClose={() => setDeleting(null)} />}
      {verifying && <VerifyDialog replica={verifying} where={where} onClose={() => setVerifying(null)} />}
    </Section>
  );
}
