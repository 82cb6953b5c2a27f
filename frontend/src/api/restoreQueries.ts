// Data hooks for browsing and restoring: a snapshot's or replica's files (paged by cursor),
// downloads (plain links), restores (requested, followed, listed), held snapshots and
// replicas. Keys: restores under 'restores' (live.ts invalidates them on Restore* events),
// replicas under 'replication' (Replica* events), a snapshot under 'subvolumes' (Snapshot*).
import { useInfiniteQuery, useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { API_BASE_URL, type ApiClient, type Schemas, type Snapshot } from './client';
import { useApi } from './context';
import { afterParam, usePagedList } from './pages';
import { type ApiError, unwrap } from './problem';
import { fleetKeys, queryKeys } from './queries';
import { replicationKeys } from './replicationQueries';
import type { paths } from './schema';

export type TreeListing = Schemas['TreeListing'];
export type TreeEntry = Schemas['TreeEntry'];
export type TreeEntryKind = Schemas['TreeEntryKind'];
export type Replica = Schemas['Replica'];
export type TargetRetention = Schemas['TargetRetention'];
export type PlannedReplica = Schemas['PlannedReplicaDto'];
export type Restore = Schemas['Restore'];
export type NewRestore = Schemas['NewRestore'];
export type RestoreMode = Schemas['RestoreMode'];
export type RestoreState = Schemas['RestoreState'];
export type RestorePage = Schemas['RestorePage'];
export type DiffListing = Schemas['DiffListing'];
export type DiffChange = Schemas['DiffChange'];
export type ChangeKind = Schemas['ChangeKind'];
export type Verification = Schemas['Verification'];

/** What a file browser reads: a snapshot on the primary, or a replica on its target. */
export type TreeSource = { kind: 'snapshot' | 'replica'; id: string };

export const restoreKeys = {
  all: ['restores'] as const,
  list: (subvolumeId: string | undefined, pageSize: number) => ['restores', 'list', { subvolumeId, pageSize }] as const,
  one: (id: string) => ['restores', id] as const,
  snapshot: (id: string) => ['subvolumes', 'snapshot', id] as const,
  tree: (source: TreeSource, path: string) => ['tree', source.kind, source.id, path] as const,
  diff: (snapshotId: string, againstId: string) => ['diff', snapshotId, againstId] as const,
  snapshotReplicas: (snapshotId: string) => ['replication', 'snapshot-replicas', snapshotId] as const,
  targetReplicas: (targetId: string) => ['replication', 'replicas', targetId] as const,
  targetRetention: (targetId: string) => ['replication', 'retention', targetId] as const,
  target: (targetId: string) => ['replication', 'target', targetId] as const,
};

/** Entries per page of a directory listing (the API allows 1-5000). */
export const TREE_PAGE_SIZE = 200;
/** Changes per page of a diff (the API allows 1-5000). */
export const DIFF_PAGE_SIZE = 200;
export const RESTORE_PAGE_SIZE = 50;
/** How often a restore being followed is read again while it is queued or running. */
export const RESTORE_POLL_MS = 1000;

export function isRestoreActive(r: Pick<Restore, 'state'>): boolean {
  return r.state === 'queued' || r.state === 'running';
}

const FILE_PATHS: Record<TreeSource['kind'], keyof paths> = {
  snapshot: '/snapshots/{id}/file',
  replica: '/replicas/{id}/file',
};

/** The address of one file's download (a plain link: the session cookie authenticates). */
export function fileUrl(source: TreeSource, path: string): string {
  const route = FILE_PATHS[source.kind].replace('{id}', encodeURIComponent(source.id));
  return `${API_BASE_URL}${route}?path=${encodeURIComponent(path)}`;
}

/** One directory, page by page ("Load more" = fetchNextPage with the `next_cursor`). */
export function useTree(source: TreeSource, path: string) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: restoreKeys.tree(source, path),
    queryFn: ({ pageParam }): Promise<TreeListing> => {
      const query = { path, limit: TREE_PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) };
      return source.kind === 'snapshot'
        ? unwrap(api.GET('/snapshots/{id}/tree', { params: { path: { id: source.id }, query } }))
        : unwrap(api.GET('/replicas/{id}/tree', { params: { path: { id: source.id }, query } }));
    },
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    staleTime: 30_000,
  });
}

/** What changed from snapshot `againstId` to `snapshotId`, page by page through `next_cursor`
 *  (two snapshots never change, so a diff read once stays). Nothing is read without `againstId`. */
export function useSnapshotDiff(snapshotId: string, againstId: string | null) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: restoreKeys.diff(snapshotId, againstId ?? ''),
    queryFn: ({ pageParam }): Promise<DiffListing> =>
      unwrap(
        api.GET('/snapshots/{id}/diff', {
          params: {
            path: { id: snapshotId },
            query: { against: againstId ?? '', limit: DIFF_PAGE_SIZE, ...(pageParam !== undefined ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: againstId !== null,
    staleTime: Infinity,
  });
}

const snapshotQuery = (api: ApiClient, id: string) => ({
  queryKey: restoreKeys.snapshot(id),
  queryFn: () => unwrap(api.GET('/snapshots/{id}', { params: { path: { id } } })),
});

export function useSnapshot(id: string) {
  const api = useApi();
  return useQuery(snapshotQuery(api, id));
}

/** snapshot id -> snapshot, for lists that name snapshots by id (each read once, cached). */
export function useSnapshotsById(ids: string[]): Map<string, Snapshot> {
  const api = useApi();
  const results = useQueries({ queries: ids.map((id) => ({ ...snapshotQuery(api, id), staleTime: 60_000 })) });
  return new Map(results.flatMap((r) => (r.data ? [[r.data.id, r.data] as const] : [])));
}

export function useSnapshotReplicas(snapshotId: string) {
  const api = useApi();
  return useQuery({
    queryKey: restoreKeys.snapshotReplicas(snapshotId),
    queryFn: () => unwrap(api.GET('/snapshots/{id}/replicas', { params: { path: { id: snapshotId } } })),
  });
}

export function useTarget(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: restoreKeys.target(id),
    queryFn: () => unwrap(api.GET('/targets/{id}', { params: { path: { id } } })),
  });
}

/** The replica catalog of a target, by path, a page at a time (nothing is read for an empty id). */
export function useTargetReplicas(targetId: string) {
  const api = useApi();
  return usePagedList(
    restoreKeys.targetReplicas(targetId),
    (after) => unwrap(api.GET('/targets/{id}/replicas', { params: { path: { id: targetId }, query: afterParam(after) } })),
    { enabled: targetId !== '' },
  );
}

/** What the next prune would do to each replica of a target (planned now by its
 *  subvolume's policy; refreshed with the replicas, on Replica* events). */
export function useTargetRetention(targetId: string) {
  const api = useApi();
  return useQuery({
    queryKey: restoreKeys.targetRetention(targetId),
    queryFn: () => unwrap(api.GET('/targets/{id}/retention', { params: { path: { id: targetId } } })),
  });
}

/** One restore, read again every second while it is queued or running (the live stream
 *  refreshes it too: RestoreProgress carries the bytes and rate of a stream back). */
export function useRestore(id: string | undefined) {
  const api = useApi();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: restoreKeys.one(id ?? ''),
    queryFn: () => unwrap(api.GET('/restores/{id}', { params: { path: { id: id ?? '' } } })),
    enabled: id !== undefined,
    refetchInterval: (q) => (q.state.data && isRestoreActive(q.state.data) ? RESTORE_POLL_MS : false),
  });
  // Once one followed here finishes, what it changed (a snapshot back, a replica's
  // verification) is read again, also without the live stream.
  const active = query.data ? isRestoreActive(query.data) : undefined;
  const wasActive = useRef(false);
  useEffect(() => {
    if (active) wasActive.current = true;
    else if (active === false && wasActive.current) {
      wasActive.current = false;
      void queryClient.invalidateQueries({ queryKey: fleetKeys.subvolumes });
      void queryClient.invalidateQueries({ queryKey: replicationKeys.all });
    }
  }, [active, queryClient]);
  return query;
}

/** Restores newest first (optionally of one subvolume); older pages through `next_before`. */
export function useRestores(subvolumeId?: string, pageSize = RESTORE_PAGE_SIZE) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: restoreKeys.list(subvolumeId, pageSize),
    queryFn: ({ pageParam }): Promise<RestorePage> =>
      unwrap(
        api.GET('/restores', {
          params: {
            query: {
              limit: pageSize,
              ...(subvolumeId ? { subvolume_id: subvolumeId } : {}),
              ...(pageParam ? { before: pageParam } : {}),
            },
          },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_before ?? undefined,
    refetchInterval: (query) =>
      query.state.data?.pages.some((p) => p.items.some(isRestoreActive)) ? RESTORE_POLL_MS * 3 : false,
  });
}

export function useRequestRestore() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation<Restore, ApiError, NewRestore>({
    mutationFn: (body) => unwrap(api.POST('/restores', { body })),
    onSuccess: (restore) => {
      queryClient.setQueryData(restoreKeys.one(restore.id), restore);
      void queryClient.invalidateQueries({ queryKey: restoreKeys.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.events });
    },
  });
}

export function useReleaseSnapshot() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation<Snapshot, ApiError, string>({
    mutationFn: (id) => unwrap(api.POST('/snapshots/{id}/release', { params: { path: { id } } })),
    onSuccess: (snapshot) => {
      queryClient.setQueryData(restoreKeys.snapshot(snapshot.id), snapshot);
      void queryClient.invalidateQueries({ queryKey: fleetKeys.subvolumes });
      void queryClient.invalidateQueries({ queryKey: queryKeys.events });
    },
  });
}

/** Checks a replica against its snapshot on the primary, as a restore job of mode `verify`;
 *  when it is done the replica's `verification` says what was found. */
export function useVerifyReplica() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation<Restore, ApiError, { id: string; sample_percent: number }>({
    mutationFn: ({ id, sample_percent }) =>
      unwrap(api.POST('/replicas/{id}/verify', { params: { path: { id } }, body: { sample_percent } })),
    onSuccess: (restore) => {
      queryClient.setQueryData(restoreKeys.one(restore.id), restore);
      void queryClient.invalidateQueries({ queryKey: restoreKeys.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.events });
    },
  });
}

/** Deletes a replica from its target; `force` also when it is the target's common base. */
export function useDeleteReplica() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation<Replica, ApiError, { id: string; force: boolean }>({
    mutationFn: ({ id, force }) =>
      unwrap(api.DELETE('/replicas/{id}', { params: { path: { id }, query: { force } } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: replicationKeys.all });
      void queryClient.invalidateQueries({ queryKey: queryKeys.events });
    },
  });
}
