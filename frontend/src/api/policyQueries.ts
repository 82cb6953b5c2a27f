// Data hooks for policies: list, edit, assign, and the retention preview (a dry run).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Schemas } from './client';
import { useApi } from './context';
import { afterParam, usePagedList } from './pages';
import { type ApiError, unwrap } from './problem';
import { fleetKeys, queryKeys } from './queries';

export type Policy = Schemas['Policy'];
export type PolicyInput = Schemas['PolicyInput'];
export type PolicyPatch = Schemas['PolicyPatch'];
export type PolicyRetention = Schemas['PolicyRetention'];
export type PreviewRequest = Schemas['PreviewRequest'];
export type RetentionPreview = Schemas['RetentionPreview'];
export type PlannedSnapshot = Schemas['PlannedSnapshotDto'];

export const policyKeys = {
  policies: ['policies'] as const,
  policy: (id: string) => ['policies', id] as const,
};

export function usePolicies() {
  const api = useApi();
  return usePagedList(policyKeys.policies, (after) => unwrap(api.GET('/policies', { params: { query: afterParam(after) } })));
}

export function usePolicy(id: string, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: policyKeys.policy(id),
    queryFn: () => unwrap(api.GET('/policies/{id}', { params: { path: { id } } })),
    enabled,
  });
}

function useInvalidatePolicies() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: policyKeys.policies });
    void queryClient.invalidateQueries({ queryKey: fleetKeys.subvolumes });
    void queryClient.invalidateQueries({ queryKey: queryKeys.events });
  };
}

export function useCreatePolicy() {
  const api = useApi();
  const invalidate = useInvalidatePolicies();
  return useMutation<Policy, ApiError, PolicyInput>({
    mutationFn: (body) => unwrap(api.POST('/policies', { body })),
    onSuccess: invalidate,
  });
}

export function useUpdatePolicy(id: string) {
  const api = useApi();
  const invalidate = useInvalidatePolicies();
  return useMutation<Policy, ApiError, PolicyPatch>({
    mutationFn: (body) => unwrap(api.PATCH('/policies/{id}', { params: { path: { id } }, body })),
    onSuccess: invalidate,
  });
}

export function useDeletePolicy() {
  const api = useApi();
  const invalidate = useInvalidatePolicies();
  return useMutation<Policy, ApiError, string>({
    mutationFn: (id) => unwrap(api.DELETE('/policies/{id}', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
}

export function useAssignPolicy() {
  const api = useApi();
  const invalidate = useInvalidatePolicies();
  return useMutation<Policy, ApiError, { subvolumeId: string; policyId: string }>({
    mutationFn: ({ subvolumeId, policyId }) =>
      unwrap(api.POST('/subvolumes/{id}/policy', { params: { path: { id: subvolumeId } }, body: { policy_id: policyId } })),
    onSuccess: invalidate,
  });
}

export function useUnassignPolicy() {
  const api = useApi();
  const invalidate = useInvalidatePolicies();
  return useMutation<Policy, ApiError, string>({
    mutationFn: (subvolumeId) => unwrap(api.DELETE('/subvolumes/{id}/policy', { params: { path: { id: subvolumeId } } })),
    onSuccess: invalidate,
  });
}

/** The retention dry run: changes nothing, so it is a mutation only in TanStack's sense. */
export function usePreviewRetention() {
  const api = useApi();
  return useMutation<RetentionPreview, ApiError, PreviewRequest>({
    mutationFn: (body) => unwrap(api.POST('/policies/preview', { body })),
  });
}
