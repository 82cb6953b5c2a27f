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
import { useTranslation } from 'react-i18next';

/** "held: pre-restore" for a held snapshot (never pruned until released). */
export function HeldBadge({ held }: { held: string | null | undefined }) {
  const { t } = useTranslation(['subvolumes', 'common']);
  if (!held) return null;
  return (
    <Badge variant="light" color="violet" radius="sm" tt="none" data-testid="held-badge" title={t('held.title')}>
      {t('held.badge', { held })}
    </Badge>
  );
}

export function SnapshotDetail({ snapshot, subvolume }: { snapshot: Snapshot; subvolume: Subvolume }) {
  const { t } = useTranslation(['subvolumes', 'common']);
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
            {t(`snapshots.state.${snapshot.state}`)}
          </Badge>
          <HeldBadge held={snapshot.held} />
        </Group>
        {canOperate && (
          <Group gap="sm">
            {snapshot.held && (
              <Button variant="default" loading={release.isPending} onClick={() => release.mutate(snapshot.id)}>
                {t('snapshots.release')}
              </Button>
            )}
            {canRestore && (
              <Button onClick={() => setRestoring(present ? 'new_subvolume' : 'snapshot')}>
                {present ? t('snapshot.restore') : t('snapshot.restoreReplica')}
              </Button>
            )}
          </Group>
        )}
      </Group>
      <MutationNotice
        mutation={release}
        errorTitle={t('snapshots.releaseFailed')}
        success={() => t('snapshot.released')}
      />

      <Card withBorder padding="md" radius="md" component="section" aria-label={t('snapshot.details')}>
        <FactList
          label={t('snapshot.details')}
          facts={[
            [
              t('common:noun.subvolume'),
              <Anchor component={Link} to={`/subvolumes/${subvolume.id}`} size="sm">
                {subvolume.name}
              </Anchor>,
            ],
            [t('common:noun.path'), <Mono>{snapshot.path}</Mono>],
            [t('common:noun.created'), formatTime(snapshot.created_at ?? snapshot.recorded_at)],
            [t('detail.uuid'), <Mono>{snapshot.uuid}</Mono>],
            [t('held.label'), snapshot.held ? t('held.value', { held: snapshot.held }) : t('common:state.no')],
          ]}
        />
      </Card>

      {!present && replicas.data && (
        <Alert color={fallback ? 'blue' : 'orange'} variant="light" role="note" title={t('snapshot.notOnPrimary', { state: t(`snapshots.state.${snapshot.state}`) })}>
          <Text size="sm">{fallback ? t('snapshot.replicaHolds') : t('snapshot.lost')}</Text>
        </Alert>
      )}

      <SnapshotReplicas snapshotId={snapshot.id} subvolumeId={subvolume.id} label={label} canBrowse={canOperate} />

      {(present || fallback) && (
        <Section
          id="files-title"
          title={fallback ? t('snapshot.filesOnReplica', { target: label(fallback) }) : t('snapshot.files')}
          extra={
            canRestore && (
              <Group gap="sm">
                <Text size="sm" c="dimmed" data-testid="picked-count">
                  {t('snapshot.picked', { count: picked.length })}
                </Text>
                {picked.length > 0 && (
                  <Button size="xs" variant="subtle" onClick={() => setPicked([])}>
                    {t('snapshot.clear')}
                  </Button>
                )}
                <Button size="xs" variant="light" disabled={picked.length === 0} onClick={() => setRestoring('files')}>
                  {t('snapshot.restorePicked')}
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
              {t('snapshot.needsOperator')}
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
