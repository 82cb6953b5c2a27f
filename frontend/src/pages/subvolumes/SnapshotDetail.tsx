// One snapshot: its facts and hold (release it), its replicas on targets, its files
// (browse, download, pick) and the Restore dialog.
import { Anchor, Badge, Button, Card, Group, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { Snapshot, Subvolume } from '../../api/client';
import { useCanOperate } from '../../api/queries';
import { useTargets } from '../../api/replicationQueries';
import { type Replica, type RestoreMode, useReleaseSnapshot, useSnapshotReplicas } from '../../api/restoreQueries';
import { FactList } from '../../components/FactList';
import { Mono } from '../../components/Mono';
import { MutationNotice } from '../../components/MutationNotice';
import { QueryState } from '../../components/QueryState';
import { type Column, ResponsiveTable } from '../../components/ResponsiveTable';
import { Section } from '../../components/Section';
import { Time } from '../../components/Time';
import { formatTime } from '../../lib/format';
import { targetLabel } from '../replication/labels';
import { FileBrowser } from '../restore/FileBrowser';
import { RestoreDialog } from '../restore/RestoreDialog';
import { ReplicaVerification, replicaHref } from '../restore/replicas';
import { useServerNames } from './common';

/** "held: pre-restore" for a held snapshot (never pruned until released). */
export function HeldBadge({ held }: { held: string | undefined }) {
  if (!held) return null;
  return (
    <Badge variant="light" color="violet" radius="sm" tt="none" data-testid="held-badge" title="Never pruned until released">
      held: {held}
    </Badge>
  );
}

function ReplicasSection({ snapshotId, label, canBrowse }: { snapshotId: string; label: (r: Replica) => string; canBrowse: boolean }) {
  const replicas = useSnapshotReplicas(snapshotId);
  const columns: Column<Replica>[] = [
    { label: 'Target', bare: true, render: (r) => <Mono>{label(r)}</Mono> },
    { label: 'Received', w: 200, render: (r) => <Time at={r.recorded_at} /> },
    { label: 'Verified', w: 160, render: (r) => <ReplicaVerification replica={r} /> },
    {
      label: 'Files',
      w: 90,
      end: true,
      bare: true,
      render: (r) =>
        canBrowse ? (
          <Anchor component={Link} to={replicaHref(r)} size="sm" aria-label={`Browse the replica on ${label(r)}`}>
            Browse
          </Anchor>
        ) : null,
    },
  ];
  return (
    <Section id="replicas-title" title="Replicas">
      <QueryState query={replicas} errorTitle="Could not load the replicas" skeleton={60}>
        {(rows) => (
          <ResponsiveTable
            rows={rows}
            columns={columns}
            rowKey={(r) => r.id}
            caption="Replicas of this snapshot"
            rowProps={(r) => ({ 'data-testid': 'snapshot-replica-row', 'data-target': r.target_id })}
            empty="Not replicated to any target."
          />
        )}
      </QueryState>
    </Section>
  );
}

export function SnapshotDetail({ snapshot, subvolume }: { snapshot: Snapshot; subvolume: Subvolume }) {
  const canOperate = useCanOperate();
  const canRestore = canOperate && subvolume.managed && snapshot.state === 'present';
  const [params, setParams] = useSearchParams();
  const path = params.get('path') ?? '';
  const [picked, setPicked] = useState<string[]>([]);
  const [restoring, setRestoring] = useState<RestoreMode | null>(null);
  const release = useReleaseSnapshot();
  const replicas = useSnapshotReplicas(snapshot.id);
  const targets = useTargets();
  const serverNames = useServerNames();
  const targetMap = new Map((targets.data ?? []).map((t) => [t.id, t]));
  const label = (r: Replica) => targetLabel(r.target_id, targetMap, serverNames);

  return (
    <>
      <Group justify="space-between" align="center" wrap="wrap" gap="sm">
        <Group gap="sm" align="center" wrap="wrap">
          <Title order={2} style={{ overflowWrap: 'anywhere' }}>
            {snapshot.name}
          </Title>
          <Badge variant="light" color={snapshot.state === 'present' ? 'teal' : 'gray'} radius="sm" tt="none">
            {snapshot.state}
          </Badge>
          <HeldBadge held={snapshot.held} />
        </Group>
        {canOperate && (
          <Group gap="sm">
            {snapshot.held && (
              <Button variant="default" loading={release.isPending} onClick={() => release.mutate(snapshot.id)}>
                Release
              </Button>
            )}
            {canRestore && <Button onClick={() => setRestoring('new_subvolume')}>Restore…</Button>}
          </Group>
        )}
      </Group>
      <MutationNotice
        mutation={release}
        errorTitle="Could not release the snapshot"
        success={() => 'Released: retention may prune this snapshot again.'}
      />

      <Card withBorder padding="md" radius="md" component="section" aria-label="Snapshot details">
        <FactList
          label="Snapshot details"
          facts={[
            [
              'Subvolume',
              <Anchor component={Link} to={`/subvolumes/${subvolume.id}`} size="sm">
                {subvolume.name}
              </Anchor>,
            ],
            ['Path', <Mono>{snapshot.path}</Mono>],
            ['Created', formatTime(snapshot.created_at ?? snapshot.recorded_at)],
            ['btrfs uuid', <Mono>{snapshot.uuid}</Mono>],
            ['Held', snapshot.held ? `${snapshot.held}: never pruned until released` : 'no'],
          ]}
        />
      </Card>

      <ReplicasSection snapshotId={snapshot.id} label={label} canBrowse={canOperate} />

      {snapshot.state === 'present' && (
        <Section
          id="files-title"
          title="Files"
          extra={
            canRestore && (
              <Group gap="sm">
                <Text size="sm" c="dimmed" data-testid="picked-count">
                  {picked.length} picked
                </Text>
                {picked.length > 0 && (
                  <Button size="xs" variant="subtle" onClick={() => setPicked([])}>
                    Clear
                  </Button>
                )}
                <Button size="xs" variant="light" disabled={picked.length === 0} onClick={() => setRestoring('files')}>
                  Restore picked…
                </Button>
              </Group>
            )
          }
        >
          {canOperate ? (
            <FileBrowser
              source={{ kind: 'snapshot', id: snapshot.id }}
              path={path}
              onPath={(p) => setParams(p ? { path: p } : {})}
              top={snapshot.name}
              {...(canRestore ? { picked, onPick: setPicked } : {})}
            />
          ) : (
            <Text size="sm" c="dimmed">
              Browsing a snapshot’s files needs the operator role.
            </Text>
          )}
        </Section>
      )}

      {restoring && (
        <RestoreDialog
          snapshot={snapshot}
          subvolume={subvolume}
          picked={picked}
          initialMode={restoring}
          replicas={replicas.data ?? []}
          replicaLabel={label}
          onClose={() => setRestoring(null)}
        />
      )}
    </>
  );
}
