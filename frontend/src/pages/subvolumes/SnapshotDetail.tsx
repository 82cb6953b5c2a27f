// One snapshot: its facts and hold (release it), its replicas on targets, its files
// (browse, download, pick), what changed since another snapshot, and the Restore dialog.
// A snapshot the primary lost (deleted, vanished) is restored from one of its replicas:
// its files are then browsed on that replica.
import { Alert, Anchor, Badge, Button, Card, Group, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { Snapshot, Subvolume } from '../../api/client';
import { useCanOperate } from '../../api/queries';
import { useTargets } from '../../api/replicationQueries';
import { type Replica, useReleaseSnapshot, useSnapshotReplicas } from '../../api/restoreQueries';
import { FactList } from '../../components/FactList';
import { Mono } from '../../components/Mono';
import { MutationNotice } from '../../components/MutationNotice';
import { Section } from '../../components/Section';
import { formatTime } from '../../lib/format';
import type { DialogMode } from '../../lib/restore';
import { targetLabel } from '../replication/labels';
import { FileBrowser } from '../restore/FileBrowser';
import { RestoreDialog } from '../restore/RestoreDialog';
import { SnapshotDiff } from '../restore/SnapshotDiff';
import { SnapshotReplicas } from '../restore/replicas';
import { useServerNames } from './common';

/** "held: pre-restore" for a held snapshot (never pruned until released). */
export function HeldBadge({ held }: { held: string | null | undefined }) {
  if (!held) return null;
  return (
    <Badge variant="light" color="violet" radius="sm" tt="none" data-testid="held-badge" title="Never pruned until released">
      held: {held}
    </Badge>
  );
}

export function SnapshotDetail({ snapshot, subvolume }: { snapshot: Snapshot; subvolume: Subvolume }) {
  const canOperate = useCanOperate();
  const present = snapshot.state === 'present';
  const replicas = useSnapshotReplicas(snapshot.id);
  // the primary lost it: only a replica can bring it back (and show its files)
  const fallback = present ? undefined : replicas.data?.[0];
  const canRestore = canOperate && subvolume.managed && (present || fallback !== undefined);
  const [params, setParams] = useSearchParams();
  const path = params.get('path') ?? '';
  const [picked, setPicked] = useState<string[]>([]);
  const [restoring, setRestoring] = useState<DialogMode | null>(null);
  const release = useReleaseSnapshot();
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
            {canRestore && (
              <Button onClick={() => setRestoring(present ? 'new_subvolume' : 'snapshot')}>
                {present ? 'Restore…' : 'Restore from a replica…'}
              </Button>
            )}
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

      {!present && replicas.data && (
        <Alert color={fallback ? 'blue' : 'orange'} variant="light" role="note" title={`Not on the primary (${snapshot.state})`}>
          <Text size="sm">
            {fallback
              ? 'The primary does not hold this snapshot any more, but a replica does: “Restore from a replica…” brings it back to the primary (or restores from it directly). Its files below are read from that replica.'
              : 'The primary does not hold this snapshot any more, and no target holds a replica of it: it cannot be restored.'}
          </Text>
        </Alert>
      )}

      <SnapshotReplicas snapshotId={snapshot.id} subvolumeId={subvolume.id} label={label} canBrowse={canOperate} />

      {(present || fallback) && (
        <Section
          id="files-title"
          title={fallback ? `Files (on the replica on ${label(fallback)})` : 'Files'}
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
              source={fallback ? { kind: 'replica', id: fallback.id } : { kind: 'snapshot', id: snapshot.id }}
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

      {present && <SnapshotDiff snapshot={snapshot} canOperate={canOperate} />}

      {restoring && (
        <RestoreDialog
          snapshot={snapshot}
          subvolume={subvolume}
          picked={picked}
          initialMode={restoring}
          replicas={replicas.data ?? []}
          replicaLabel={label}
          initialReplicaId={fallback?.id ?? null}
          onClose={() => setRestoring(null)}
        />
      )}
    </>
  );
}
