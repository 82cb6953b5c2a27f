// The Replication page: health per (subvolume, target) with the RPO, what is replicating
// now (bytes, rate, ETA per target), the targets of each subvolume (add, edit, remove),
// and the history of runs. Live: the SSE stream invalidates the 'replication' queries on
// Target*/Replication* events; the runs list also refetches every few seconds while one runs.
// The sections are in ./replication/.
import { Stack, Title } from '@mantine/core';
import { useServers, useSubvolumes } from '../api/queries';
import { useReplicationHealth, useReplications, useTargets } from '../api/replicationQueries';
import { ErrorNotice } from '../components/ErrorNotice';
import { QueryState } from '../components/QueryState';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { HealthSection } from './replication/HealthSection';
import { HistorySection } from './replication/HistorySection';
import { RunningSection } from './replication/RunningSection';
import { TargetsSection } from './replication/TargetsSection';

export function ReplicationPage() {
  useDocumentTitle('Replication');
  const targets = useTargets();
  const servers = useServers();
  const subvolumes = useSubvolumes();
  const runs = useReplications(20);
  const health = useReplicationHealth();
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
      {runs.data && (
        <HistorySection
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
