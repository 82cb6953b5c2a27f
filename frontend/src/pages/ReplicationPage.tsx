// The Replication page: health per (subvolume, target) with the RPO, what is replicating
// now (bytes, rate, ETA per target), the targets of each subvolume (add, edit, remove),
// and the history of runs. Live: the SSE stream invalidates the 'replication' queries on
// Target*/Replication* events; the runs list also refetches every few seconds while one runs.
// The sections are in ./replication/. Also one target's page (its replicas: browse, delete)
// and a replica's file browser.
import { Anchor, Card, Stack, Text, Title } from '@mantine/core';
import { Link, useParams, useSearchParams } from 'react-router';
import { useCanOperate, useServers, useSubvolumes } from '../api/queries';
import { useReplicationHealth, useReplications, useTargets } from '../api/replicationQueries';
import { useTarget, useTargetReplicas } from '../api/restoreQueries';
import { ErrorNotice } from '../components/ErrorNotice';
import { FactList } from '../components/FactList';
import { Mono } from '../components/Mono';
import { LoadMore } from '../components/LoadMore';
import { QueryState } from '../components/QueryState';
import { shortUuid } from '../lib/format';
import { replicaName } from '../lib/restore';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { HealthSection } from './replication/HealthSection';
import { HistorySection } from './replication/HistorySection';
import { rate } from './replication/labels';
import { ReplicasSection } from './replication/ReplicasSection';
import { RunningSection } from './replication/RunningSection';
import { TargetsSection } from './replication/TargetsSection';
import { FileBrowser } from './restore/FileBrowser';
import { snapshotHref } from './restore/RestoreStatus';

export function ReplicationPage() {
  useDocumentTitle('Replication');
  const targets = useTargets();
  const servers = useServers();
  const subvolumes = useSubvolumes();
  const runs = useReplications(20);
  const health = useReplicationHealth();
  const canOperate = useCanOperate();
  const targetMap = new Map((targets.data ?? []).map((t) => [t.id, t]));
  const serverNames = new Map((servers.data ?? []).map((s) => [s.id, s.name]));
  const subvolumeNames = new Map((subvolumes.data ?? []).map((s) => [s.id, s.name]));
  return (
    <Stack gap="md">
      <Title order={2}>Replication</Title>
      <HealthSection />
      <QueryState query={runs} errorTitle="Could not load replications" skeleton={80}>
        {(data) => <RunningSection runs={data.items} targets={targetMap} servers={serverNames} subvolumes={subvolumeNames} />}
      </QueryState>
      {targets.isError && <ErrorNotice title="Could not load targets" error={targets.error} />}
      {targets.data && servers.data && (
        <TargetsSection targets={targets.data} servers={servers.data} health={health.data?.items ?? []} />
      )}
      <LoadMore list={targets} label="Load more targets" />
      {runs.data && (
        <HistorySection
          canOperate={canOperate}
          runs={runs.data.items}
          total={runs.data.total}
          targets={targetMap}
          servers={serverNames}
          subvolumes={subvolumeNames}
        />
      )}
    </Stack>
  );
}

/** "server:directory" of a target, and its subvolume's name, from the cached lists. */
function useTargetNames(serverId: string | undefined, subvolumeId: string | undefined) {
  const servers = useServers();
  const subvolumes = useSubvolumes();
  return {
    server: (servers.data ?? []).find((s) => s.id === serverId)?.name ?? shortUuid(serverId ?? ''),
    subvolume: (subvolumes.data ?? []).find((s) => s.id === subvolumeId)?.name,
  };
}

/** One target: where it is, how it is sent to, and the replicas on it. */
export function TargetPage() {
  const { id = '' } = useParams();
  const target = useTarget(id);
  const canOperate = useCanOperate();
  const names = useTargetNames(target.data?.server_id, target.data?.subvolume_id);
  useDocumentTitle(target.data ? `Target ${target.data.directory}` : 'Target');
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/replication" size="sm">
        ← Replication
      </Anchor>
      <QueryState query={target} errorTitle="Could not load the target" skeleton={120}>
        {(t) => (
          <>
            <Title order={2} style={{ overflowWrap: 'anywhere' }}>
              Target {names.server}:{t.directory}
            </Title>
            <Card withBorder padding="md" radius="md" component="section" aria-label="Target details">
              <FactList
                label="Target details"
                facts={[
                  [
                    'Subvolume',
                    <Anchor component={Link} to={`/subvolumes/${t.subvolume_id}`} size="sm">
                      {names.subvolume ?? shortUuid(t.subvolume_id)}
                    </Anchor>,
                  ],
                  [
                    'Server',
                    <Anchor component={Link} to={`/servers/${t.server_id}`} size="sm">
                      {names.server}
                    </Anchor>,
                  ],
                  ['Directory', <Mono>{t.directory}</Mono>],
                  ['Sends', t.missing === 'send_all' ? 'every missing snapshot' : 'the newest only'],
                  ['Rate limit', t.rate_limit_bytes_per_sec ? rate(t.rate_limit_bytes_per_sec) : 'none'],
                ]}
              />
            </Card>
            <ReplicasSection target={t} where={`${names.server}:${t.directory}`} canOperate={canOperate} />
          </>
        )}
      </QueryState>
    </Stack>
  );
}

/** A replica's files on its target (read over SSH): browse and download. */
export function ReplicaPage() {
  const { id = '', replicaId = '' } = useParams();
  const target = useTarget(id);
  const replicas = useTargetReplicas(id);
  const names = useTargetNames(target.data?.server_id, target.data?.subvolume_id);
  const [params, setParams] = useSearchParams();
  const replica = replicas.data?.find((r) => r.id === replicaId);
  const name = replica ? replicaName(replica.path) : 'Replica';
  useDocumentTitle(`Replica ${name}`);
  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/replication/targets/${id}`} size="sm">
        ← Target {target.data ? `${names.server}:${target.data.directory}` : ''}
      </Anchor>
      <QueryState query={replicas} errorTitle="Could not load the replicas" skeleton={120}>
        {() =>
          replica ? (
            <>
              <Title order={2} style={{ overflowWrap: 'anywhere' }}>
                Replica {name}
              </Title>
              <Text size="sm" c="dimmed">
                On {names.server}: <Mono>{replica.path}</Mono>.
                {target.data && (
                  <>
                    {' '}
                    To restore from it, open{' '}
                    <Anchor component={Link} to={snapshotHref(target.data.subvolume_id, replica.snapshot_id)} size="sm">
                      its snapshot
                    </Anchor>{' '}
                    and choose it under “Restore from” in “Restore…”.
                  </>
                )}
              </Text>
              <Card withBorder padding="md" radius="md" component="section" aria-label="Files">
                <FileBrowser
                  source={{ kind: 'replica', id: replica.id }}
                  path={params.get('path') ?? ''}
                  onPath={(p) => setParams(p ? { path: p } : {})}
                  top={name}
                />
              </Card>
            </>
          ) : (
            <ErrorNotice title="No such replica" error={new Error('This target holds no replica with this id (any more).')} />
          )
        }
      </QueryState>
    </Stack>
  );
}
