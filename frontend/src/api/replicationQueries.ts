// Data hooks for replication: targets, runs (with live progress), health per (subvolume,
// target) and the RPO. Every key starts with 'replication': the live stream (live.ts)
// invalidates them on Target*/Replication*/SubvolumeRpoSet/Snapshot* events; while a run is
// queued or running the runs list also refetches lightly (progress is throttled server-side).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Schemas } from './client';
import { useApi } from './context';
import { afterParam, usePagedList } from './pages';
import { type ApiError, unwrap } from './problem';
import { queryKeys } from './queries';

export type Target = Schemas['Target'];
export type NewTarget = Schemas['NewTarget'];
/** The spec cannot say "nullable" for this field: `null` removes the limit, absent keeps it. */
export type TargetPatch = Omit<Schemas['TargetPatch'], 'rate_limit_bytes_per_sec'> & {
  rate_limit_bytes_per_sec?: number | null;
};
export type Replication = Schemas['Replication'];
export type ReplicationTarget = Schemas['ReplicationTarget'];
export type TargetHealth = Schemas['TargetHealthDto'];
export type HealthState = Schemas['HealthState'];
export type HealthReport = Schemas['HealthReport'];
export type HealthSummary = Schemas['HealthSummary'];
export type SubvolumeHealth = Schemas['SubvolumeHealth'];
export type Rpo = Schemas['Rpo'];
export type TargetPreview = Schemas['TargetPreview'];

export const replicationKeys = {
  all: ['replication'] as const,
  targets: ['replication', 'targets'] as const,
  runs: (subvolumeId: string | undefined, limit: number) => ['replication', 'runs', { subvolumeId, limit }] as const,
  health: ['replication', 'health'] as const,
  subvolumeHealth: (id: string) => ['replication', 'health', id] as const,
};

/** While something runs: how often the runs list refetches (the SSE stream also invalidates it). */
export const RUNNING_REFETCH_MS = 3000;

export function isActive(r: Replication): boolean {
  return r.state === 'queued' || r.state === 'running';
}

/** The targets, oldest first, a page at a time (the page groups them by subvolume). */
export function useTargets() {
  const api = useApi();
  return usePagedList(replicationKeys.targets, (after) => unwrap(api.GET('/targets', { params: { query: afterParam(after) } })));
}

/** The replications, newest first, `limit` a page (older ones with LoadMore); refetched
 *  every few seconds while one of them is queued or running. */
export function useReplications(limit = 20, subvolumeId?: string) {
  const api = useApi();
  return usePagedList(
    replicationKeys.runs(subvolumeId, limit),
    (after) =>
      unwrap(
        api.GET('/replications', {
          params: { query: { limit, ...afterParam(after), ...(subvolumeId ? { subvolume_id: subvolumeId } : {}) } },
        }),
      ),
    { refetchInterval: (runs) => (runs.some(isActive) ? RUNNING_REFETCH_MS : false) },
  );
}

export function useReplicationHealth() {
  const api = useApi();
  return useQuery({
    queryKey: replicationKeys.health,
    queryFn: (): Promise<HealthReport> => unwrap(api.GET('/replication/health')),
  });
}

export function useSubvolumeHealth(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: replicationKeys.subvolumeHealth(id),
    queryFn: (): Promise<SubvolumeHealth> =>
      unwrap(api.GET('/subvolumes/{id}/replication-health', { params: { path: { id } } })),
  });
}

function useInvalidateReplication() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: replicationKeys.all });
    void queryClient.invalidateQueries({ queryKey: queryKeys.events });
  };
}

export function useAddTarget(subvolumeId: string) {
  const api = useApi();
  const invalidate = useInvalidateReplication();
  return useMutation<Target, ApiError, NewTarget>({
    mutationFn: (body) => unwrap(api.POST('/subvolumes/{id}/targets', { params: { path: { id: subvolumeId } }, body })),
    onSuccess: invalidate,
  });
}

export function useUpdateTarget(id: string) {
  const api = useApi();
  const invalidate = useInvalidateReplication();
  return useMutation<Target, ApiError, TargetPatch>({
    mutationFn: (body) =>
      unwrap(api.PATCH('/targets/{id}', { params: { path: { id } }, body: body as Schemas['TargetPatch'] })),
    onSuccess: invalidate,
  });
}

export function useRemoveTarget() {
  const api = useApi();
  const invalidate = useInvalidateReplication();
  return useMutation<void, ApiError, string>({
    mutationFn: async (id) => {
      await unwrap(api.DELETE('/targets/{id}', { params: { path: { id } } }));
    },
    onSuccess: invalidate,
  });
}

/** What replicating `snapshotId` would do per target (reads every target: only on demand). */
export function useReplicationPreview(snapshotId: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: ['replication-preview', snapshotId],
    enabled: snapshotId !== null,
    staleTime: 0,
    gcTime: 0,
    queryFn: () => unwrap(api.GET('/snapshots/{id}/replication-preview', { params: { path: { id: snapshotId ?? '' } } })),
  });
}

/** "Replicate now": one snapshot to all the subvolume's targets (or some). */
export function useReplicateNow() {
  const api = useApi();
  const invalidate = useInvalidateReplication();
  return useMutation<Replication, ApiError, { snapshot_id: string; target_ids?: string[] }>({
    mutationFn: (body) => unwrap(api.POST('/replications', { body })),
    onSuccess: invalidate,
  });
}

export function useSetRpo(subvolumeId: string) {
  const api = useApi();
  const invalidate = useInvalidateReplication();
  return useMutation<Rpo, ApiError, number | null>({
    // absent rpo_seconds = null: back to the default
    mutationFn: (rpo_seconds) =>
      unwrap(
        api.PUT('/subvolumes/{id}/rpo', {
          params: { path: { id: subvolumeId } },
          body: rpo_seconds === null ? {} : { rpo_seconds },
        }),
      ),
    onSuccess: invalidate,
  });
}
