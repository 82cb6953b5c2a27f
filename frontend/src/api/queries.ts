// Data hooks for the pages: TanStack Query around the typed client. One place per
// resource, so a new page adds its hooks here and its query keys below.
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiClient, AuditPage, FleetStatus, Health, Instance, ManageSubvolume, Me, ServerHooks, SetSnapshotHooks, Snapshot, SnapshotPage, Subvolume, SyncReport } from './client';
import { useApi } from './context';
import { afterParam, usePagedList } from './pages';
import { type ApiError, apiErrorFrom, isProblem, send, unwrap } from './problem';

export const queryKeys = {
  me: ['me'] as const,
  health: ['health'] as const,
  fleetStatus: ['status'] as const,
  instance: ['instance'] as const,
  events: ['events'] as const,
  recentEvents: (limit: number) => ['events', 'recent', limit] as const,
  timeline: (pageSize: number, q: string) => ['events', 'timeline', pageSize, q] as const,
};

/** Who is logged in: the Me, or null without a (valid) session. Keeps the client's CSRF token. */
export function useMe() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: async (): Promise<Me | null> => {
      const { data, error, response } = await send(api.GET('/auth/me'));
      if (response.status === 401) {
        api.setCsrfToken(undefined);
        return null;
      }
      if (!data) throw apiErrorFrom(response, error);
      api.setCsrfToken(data.csrf_token);
      return data;
    },
    staleTime: Infinity,
    retry: false,
  });
}

export function useLogin() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation<Me, ApiError, { username: string; password: string }>({
    mutationFn: (body) => unwrap(api.POST('/auth/login', { body })),
    onSuccess: (me) => {
      api.setCsrfToken(me.csrf_token);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.me[0] });
      queryClient.setQueryData(queryKeys.me, me);
    },
  });
}

/** Forgets the session in this page (after a logout, or a password change that ended it):
 *  no CSRF token, no cached data, and "nobody" as the caller, so the login page shows. */
export function forgetSession(api: ReturnType<typeof useApi>, queryClient: ReturnType<typeof useQueryClient>) {
  api.setCsrfToken(undefined);
  queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.me[0] });
  queryClient.setQueryData(queryKeys.me, null);
}

/** Ends the session. Whatever the server says, the dashboard forgets the user and its data. */
export function useLogout() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation<void, ApiError, void>({
    mutationFn: async () => {
      await unwrap(api.POST('/auth/logout'));
    },
    onSettled: () => forgetSession(api, queryClient),
  });
}

/** Health answers 503 with a Health body when the database is down: that is data, not an error. */
export function useHealth() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.health,
    queryFn: async (): Promise<Health> => {
      const { data, error, response } = await send(api.GET('/health'));
      if (data) return data;
      if (response.status === 503 && error && !isProblem(error)) return error;
      throw apiErrorFrom(response, error);
    },
    refetchInterval: 30_000,
  });
}

/** The fleet status query (also prefetched at start on the Overview: main.tsx). */
export function fleetStatusQuery(api: ApiClient) {
  return { queryKey: queryKeys.fleetStatus, queryFn: (): Promise<FleetStatus> => unwrap(api.GET('/status')) };
}

/** The fleet status: the worst of everything that can be wrong, one row per problem. */
export function useFleetStatus() {
  const api = useApi();
  return useQuery({ ...fleetStatusQuery(api), refetchInterval: 30_000 });
}

export function useInstance() {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.instance,
    queryFn: () => unwrap(api.GET('/instance')),
  });
}

export function useRenameInstance() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation<Instance, ApiError, string>({
    mutationFn: (name) => unwrap(api.PATCH('/instance', { body: { name } })),
    onSuccess: (instance) => {
      queryClient.setQueryData(queryKeys.instance, instance);
      // The rename is recorded as an event: refresh every view of the timeline.
      void queryClient.invalidateQueries({ queryKey: queryKeys.events });
    },
  });
}

export function useRecentEvents(limit = 10) {
  const api = useApi();
  return useQuery({
    queryKey: queryKeys.recentEvents(limit),
    queryFn: () => unwrap(api.GET('/events', { params: { query: { limit } } })),
  });
}

export const TIMELINE_PAGE_SIZE = 50;

/** The audit timeline matching the search `q` (lib/eventSearch), newest first;
 *  `fetchNextPage()` loads older events via `next_before`. */
export function useTimeline(q = '', pageSize = TIMELINE_PAGE_SIZE) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: queryKeys.timeline(pageSize, q),
    queryFn: ({ pageParam }): Promise<AuditPage> =>
      unwrap(
        api.GET('/events', {
          params: { query: { limit: pageSize, ...(q ? { q } : {}), ...(pageParam === undefined ? {} : { before: pageParam }) } },
        }),
      ),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.next_before ?? undefined,
  });
}

// ── Servers, subvolumes, snapshots ──────────────────────────────────────────────────────

export const fleetKeys = {
  servers: ['servers'] as const,
  server: (id: string) => ['servers', id] as const,
  discovered: (serverId: string) => ['servers', serverId, 'discovered'] as const,
  hooks: (serverId: string) => ['servers', serverId, 'hooks'] as const,
  subvolumes: ['subvolumes'] as const,
  subvolume: (id: string) => ['subvolumes', id] as const,
  snapshots: (subvolumeId: string) => ['subvolumes', subvolumeId, 'snapshots'] as const,
  snapshotPage: (subvolumeId: string, after: string | undefined, limit: number, includeGone: boolean) =>
    ['subvolumes', subvolumeId, 'snapshots', { after, limit, includeGone }] as const,
};

/** Whether the logged-in user may change things (operators and admins; viewers only read). */
export function useCanOperate(): boolean {
  const role = useMe().data?.role;
  return role === 'operator' || role === 'admin';
}

export function useServers() {
  const api = useApi();
  return usePagedList(fleetKeys.servers, (after) => unwrap(api.GET('/servers', { params: { query: afterParam(after) } })));
}

/** `enabled: false` while the server is being removed (no refetch of what is about to be gone). */
export function useServer(id: string, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: fleetKeys.server(id),
    queryFn: () => unwrap(api.GET('/servers/{id}', { params: { path: { id } } })),
    enabled,
  });
}

/** Lists the subvolumes on a server's disk (reads the disk, so only on demand and not retried). */
export function useDiscoveredSubvolumes(serverId: string, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: fleetKeys.discovered(serverId),
    queryFn: () => unwrap(api.GET('/servers/{id}/subvolumes', { params: { path: { id: serverId } } })),
    enabled,
    staleTime: 30_000,
  });
}

/** The executables a server offers as snapshot hooks (admins; lists its hooks directory now). */
export function useServerHooks(serverId: string, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: fleetKeys.hooks(serverId),
    queryFn: (): Promise<ServerHooks> => unwrap(api.GET('/servers/{id}/hooks', { params: { path: { id: serverId } } })),
    enabled,
    staleTime: 30_000,
  });
}

export function useSubvolumes() {
  const api = useApi();
  return usePagedList(fleetKeys.subvolumes, (after) => unwrap(api.GET('/subvolumes', { params: { query: afterParam(after) } })));
}

export function useSubvolume(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: fleetKeys.subvolume(id),
    queryFn: () => unwrap(api.GET('/subvolumes/{id}', { params: { path: { id } } })),
  });
}

export const SNAPSHOT_PAGE_SIZE = 20;

/** One page of a subvolume's snapshots, newest first: the first, or the one after the cursor
 *  `after` (a page's `next_after`). The previous page stays shown while the next loads. */
export function useSnapshots(subvolumeId: string, after: string | undefined, includeGone: boolean, limit = SNAPSHOT_PAGE_SIZE) {
  const api = useApi();
  return useQuery({
    queryKey: fleetKeys.snapshotPage(subvolumeId, after, limit, includeGone),
    queryFn: (): Promise<SnapshotPage> =>
      unwrap(
        api.GET('/subvolumes/{id}/snapshots', {
          params: { path: { id: subvolumeId }, query: { limit, include_gone: includeGone, ...afterParam(after) } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** Everything a change to subvolumes or snapshots may affect, plus the timeline (it is recorded). */
function useInvalidateFleet() {
  const queryClient = useQueryClient();
  return (serverId?: string) => {
    void queryClient.invalidateQueries({ queryKey: fleetKeys.subvolumes });
    void queryClient.invalidateQueries({ queryKey: queryKeys.events });
    if (serverId) void queryClient.invalidateQueries({ queryKey: fleetKeys.discovered(serverId) });
  };
}

export function useManageSubvolume() {
  const api = useApi();
  const invalidate = useInvalidateFleet();
  return useMutation<Subvolume, ApiError, ManageSubvolume>({
    mutationFn: (body) => unwrap(api.POST('/subvolumes', { body })),
    onSuccess: (subvolume) => invalidate(subvolume.server_id),
  });
}

export function useUnmanageSubvolume() {
  const api = useApi();
  const invalidate = useInvalidateFleet();
  return useMutation<Subvolume, ApiError, string>({
    mutationFn: (id) => unwrap(api.DELETE('/subvolumes/{id}', { params: { path: { id } } })),
    onSuccess: (subvolume) => invalidate(subvolume.server_id),
  });
}

export function useSyncSubvolume() {
  const api = useApi();
  const invalidate = useInvalidateFleet();
  return useMutation<SyncReport, ApiError, string>({
    mutationFn: (id) => unwrap(api.POST('/subvolumes/{id}/sync', { params: { path: { id } } })),
    onSettled: () => invalidate(),
  });
}

export function useCreateSnapshot() {
  const api = useApi();
  const invalidate = useInvalidateFleet();
  return useMutation<Snapshot, ApiError, string>({
    mutationFn: (subvolumeId) => unwrap(api.POST('/subvolumes/{id}/snapshots', { params: { path: { id: subvolumeId } } })),
    // a failure is recorded on the subvolume (last_snapshot_error): refresh either way
    onSettled: () => invalidate(),
  });
}

export function useDeleteSnapshot() {
  const api = useApi();
  const invalidate = useInvalidateFleet();
  return useMutation<Snapshot, ApiError, Snapshot>({
    mutationFn: (snapshot) =>
      unwrap(
        api.DELETE('/snapshots/{id}', {
          params: { path: { id: snapshot.id }, query: { subvolume_id: snapshot.subvolume_id } },
        }),
      ),
    onSettled: () => invalidate(),
  });
}

export function useAdoptSnapshot() {
  const api = useApi();
  const invalidate = useInvalidateFleet();
  return useMutation<Snapshot, ApiError, Snapshot>({
    mutationFn: (snapshot) => unwrap(api.POST('/snapshots/{id}/adopt', { params: { path: { id: snapshot.id } } })),
    onSettled: () => invalidate(),
  });
}

/** Sets a subvolume's pre-/post-snapshot hooks and their timeout (admins). */
export function useSetSnapshotHooks(subvolumeId: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  const invalidate = useInvalidateFleet();
  return useMutation<Subvolume, ApiError, SetSnapshotHooks>({
    mutationFn: (body) => unwrap(api.PUT('/subvolumes/{id}/hooks', { params: { path: { id: subvolumeId } }, body })),
    onSuccess: (subvolume) => {
      queryClient.setQueryData(fleetKeys.subvolume(subvolume.id), subvolume);
      invalidate();
      // removing a failing post hook ends its fleet problem (hook_failing)
      void queryClient.invalidateQueries({ queryKey: queryKeys.fleetStatus });
    },
  });
}
