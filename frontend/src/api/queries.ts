// Data hooks for the pages: TanStack Query around the typed client. One place per
// resource, so a new page adds its hooks here and its query keys below.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AuditPage, Health, Instance, Me } from './client';
import { useApi } from './context';
import { type ApiError, apiErrorFrom, isProblem, send, unwrap } from './problem';

export const queryKeys = {
  me: ['me'] as const,
  health: ['health'] as const,
  instance: ['instance'] as const,
  events: ['events'] as const,
  recentEvents: (limit: number) => ['events', 'recent', limit] as const,
  timeline: (pageSize: number) => ['events', 'timeline', pageSize] as const,
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

/** Ends the session. Whatever the server says, the dashboard forgets the user and its data. */
export function useLogout() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation<void, ApiError, void>({
    mutationFn: async () => {
      await unwrap(api.POST('/auth/logout'));
    },
    onSettled: () => {
      api.setCsrfToken(undefined);
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.me[0] });
      queryClient.setQueryData(queryKeys.me, null);
    },
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

/** The audit timeline, newest first; `fetchNextPage()` loads older events via `next_before`. */
export function useTimeline(pageSize = TIMELINE_PAGE_SIZE) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: queryKeys.timeline(pageSize),
    queryFn: ({ pageParam }): Promise<AuditPage> =>
      unwrap(
        api.GET('/events', {
          params: { query: pageParam === undefined ? { limit: pageSize } : { before: pageParam, limit: pageSize } },
        }),
      ),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.next_before ?? undefined,
  });
}
