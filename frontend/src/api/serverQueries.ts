// Data hooks for registering, changing and removing SSH servers (admins). Reads are in ./queries.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Schemas, Server } from './client';
import { useApi } from './context';
import { type ApiError, unwrap } from './problem';
import { fleetKeys, queryKeys } from './queries';

export type NewServer = Schemas['NewServer'];
export type ServerPatch = Schemas['ServerPatch'];
export type CheckResult = Schemas['CheckResult'];
export type ChecksProblem = Schemas['ChecksProblem'];

/** The check results of a 422 "the server failed its checks" answer, if that is what it was. */
export function failedChecks(error: unknown): CheckResult[] | null {
  const problem = (error as ApiError | null)?.problem as Partial<ChecksProblem> | undefined;
  return problem && Array.isArray(problem.checks) ? problem.checks : null;
}

function useInvalidateServers() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: fleetKeys.servers });
    void queryClient.invalidateQueries({ queryKey: queryKeys.events });
  };
}

export function useProbeHostKey() {
  const api = useApi();
  return useMutation<string, ApiError, { address: string; port: number }>({
    mutationFn: async (body) => (await unwrap(api.POST('/servers/probe-host-key', { body }))).fingerprint,
  });
}

export function useRegisterServer() {
  const api = useApi();
  const invalidate = useInvalidateServers();
  return useMutation<Server, ApiError, NewServer>({
    mutationFn: (body) => unwrap(api.POST('/servers', { body })),
    onSuccess: invalidate,
  });
}

export function useUpdateServer(id: string) {
  const api = useApi();
  const invalidate = useInvalidateServers();
  return useMutation<Server, ApiError, ServerPatch>({
    mutationFn: (body) => unwrap(api.PATCH('/servers/{id}', { params: { path: { id } }, body })),
    onSuccess: invalidate,
  });
}

export function useRemoveServer() {
  const api = useApi();
  const invalidate = useInvalidateServers();
  return useMutation<void, ApiError, string>({
    mutationFn: async (id) => {
      await unwrap(api.DELETE('/servers/{id}', { params: { path: { id } } }));
    },
    onSuccess: invalidate,
  });
}

export function useTestServer() {
  const api = useApi();
  return useMutation<CheckResult[], ApiError, string>({
    mutationFn: (id) => unwrap(api.POST('/servers/{id}/test', { params: { path: { id } } })),
  });
}

export function useAcceptHostKey(id: string) {
  const api = useApi();
  const invalidate = useInvalidateServers();
  return useMutation<Server, ApiError, string>({
    mutationFn: (fingerprint) =>
      unwrap(api.POST('/servers/{id}/host-key/accept', { params: { path: { id } }, body: { fingerprint } })),
    onSuccess: invalidate,
  });
}
