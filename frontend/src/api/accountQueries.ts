// Data hooks for user accounts (admins) and API tokens.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Schemas } from './client';
import { useApi } from './context';
import { type ApiError, unwrap } from './problem';
import { forgetSession, queryKeys, useMe } from './queries';

export type User = Schemas['User'];
export type NewUser = Schemas['NewUser'];
export type UserPatch = Schemas['UserPatch'];
export type Token = Schemas['Token'];
export type NewToken = Schemas['NewToken'];
export type IssuedToken = Schemas['IssuedToken'];
export type PasswordChange = Schemas['PasswordChange'];

export const accountKeys = {
  users: ['users'] as const,
  tokens: ['tokens'] as const,
};

export function useIsAdmin(): boolean {
  return useMe().data?.role === 'admin';
}

export function useUsers(enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: accountKeys.users, queryFn: () => unwrap(api.GET('/users')), enabled });
}

function useInvalidate(key: readonly string[]) {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: key });
    void queryClient.invalidateQueries({ queryKey: queryKeys.events });
  };
}

export function useCreateUser() {
  const api = useApi();
  const invalidate = useInvalidate(accountKeys.users);
  return useMutation<User, ApiError, NewUser>({
    mutationFn: (body) => unwrap(api.POST('/users', { body })),
    onSuccess: invalidate,
  });
}

export function usePatchUser() {
  const api = useApi();
  const invalidate = useInvalidate(accountKeys.users);
  return useMutation<User, ApiError, { id: string; patch: UserPatch }>({
    mutationFn: ({ id, patch }) => unwrap(api.PATCH('/users/{id}', { params: { path: { id } }, body: patch })),
    onSuccess: invalidate,
  });
}

export function useDeleteUser() {
  const api = useApi();
  const invalidate = useInvalidate(accountKeys.users);
  return useMutation<void, ApiError, string>({
    mutationFn: async (id) => {
      await unwrap(api.DELETE('/users/{id}', { params: { path: { id } } }));
    },
    onSuccess: invalidate,
  });
}

export function useTokens() {
  const api = useApi();
  return useQuery({ queryKey: accountKeys.tokens, queryFn: () => unwrap(api.GET('/tokens')) });
}

export function useCreateToken() {
  const api = useApi();
  const invalidate = useInvalidate(accountKeys.tokens);
  return useMutation<IssuedToken, ApiError, NewToken>({
    mutationFn: (body) => unwrap(api.POST('/tokens', { body })),
    onSuccess: invalidate,
  });
}

export function useRevokeToken() {
  const api = useApi();
  const invalidate = useInvalidate(accountKeys.tokens);
  return useMutation<void, ApiError, string>({
    mutationFn: async (id) => {
      await unwrap(api.DELETE('/tokens/{id}', { params: { path: { id } } }));
    },
    onSuccess: invalidate,
  });
}

/** Changes the caller's own password. Every session of theirs ends (this one too), so on
 *  success the dashboard forgets the session and shows the login page. */
export function useChangeOwnPassword() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation<void, ApiError, PasswordChange>({
    mutationFn: async (body) => {
      await unwrap(api.POST('/auth/password', { body }));
    },
    onSuccess: () => forgetSession(api, queryClient),
  });
}
