// Data hooks for storage metrics (GET /storage, a server's history, a subvolume's sizes,
// collect now). Kept apart from ./queries so storage work does not collide with the pages'.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Schemas } from './client';
import { useApi } from './context';
import { afterParam, usePagedList } from './pages';
import { type ApiError, unwrap } from './problem';

export type ServerStorage = Schemas['ServerStorageView'];
export type FilesystemStorage = Schemas['FilesystemStorage'];
export type StorageSample = Schemas['StorageSample'];
export type SubvolumeStorage = Schemas['SubvolumeStorageView'];
export type SubvolumeSample = Schemas['SubvolumeSampleView'];

export const storageKeys = {
  all: ['storage'] as const,
  latest: ['storage', 'latest'] as const,
  history: (serverId: string) => ['storage', 'history', serverId] as const,
  // Under the subvolume's key, so the snapshot mutations that invalidate ['subvolumes']
  // refresh the snapshot count too.
  subvolume: (id: string) => ['subvolumes', id, 'storage'] as const,
  subvolumeHistory: (id: string) => ['subvolumes', id, 'storage', 'history'] as const,
};

/** The servers' storage as of each one's last collection, a page at a time (collections run every few minutes). */
export function useStorage() {
  const api = useApi();
  return usePagedList(storageKeys.latest, (after) => unwrap(api.GET('/storage', { params: { query: afterParam(after) } })), {
    refetchInterval: 60_000,
  });
}

/** One server's samples of the last 48 hours, for the chart. */
export function useStorageHistory(serverId: string) {
  const api = useApi();
  return useQuery({
    queryKey: storageKeys.history(serverId),
    queryFn: () => unwrap(api.GET('/servers/{id}/storage/history', { params: { path: { id: serverId } } })),
    refetchInterval: 60_000,
  });
}

export function useSubvolumeStorage(subvolumeId: string) {
  const api = useApi();
  return useQuery({
    queryKey: storageKeys.subvolume(subvolumeId),
    queryFn: () => unwrap(api.GET('/subvolumes/{id}/storage', { params: { path: { id: subvolumeId } } })),
  });
}

/** A subvolume's snapshot count and sizes at each collection of the last 7 days. */
export function useSubvolumeHistory(subvolumeId: string) {
  const api = useApi();
  return useQuery({
    queryKey: storageKeys.subvolumeHistory(subvolumeId),
    queryFn: () => unwrap(api.GET('/subvolumes/{id}/storage/history', { params: { path: { id: subvolumeId } } })),
    refetchInterval: 300_000,
  });
}

/** Collects a server's storage now (operators). */
export function useCollectStorage() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation<ServerStorage, ApiError, string>({
    mutationFn: (serverId) => unwrap(api.POST('/servers/{id}/storage/collect', { params: { path: { id: serverId } } })),
    onSettled: async () => {
      await queryClient.invalidateQueries({ queryKey: storageKeys.all });
      // Subvolume and snapshot sizes come from the same collection.
      await queryClient.invalidateQueries({ queryKey: ['subvolumes'] });
    },
  });
}

/** Turns reading qgroup sizes on or off for a server (admins). Never enables quotas. */
export function useSetCollectQgroups() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation<Schemas['StorageSettings'], ApiError, { serverId: string; collect_qgroups: boolean }>({
    mutationFn: ({ serverId, collect_qgroups }) =>
      unwrap(api.PUT('/servers/{id}/storage/settings', { params: { path: { id: serverId } }, body: { collect_qgroups } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: storageKeys.all }),
  });
}
