// Data hooks for notifications (admins): channels, alert rules, firing alerts, deliveries.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Schemas } from './client';
import { useApi } from './context';
import { type ApiError, unwrap } from './problem';
import { queryKeys } from './queries';

export type Channel = Schemas['Channel'];
export type ChannelInput = Schemas['ChannelInput'];
export type ChannelCreated = Schemas['ChannelCreated'];
export type AlertRule = Schemas['Rule'];
export type RuleInput = Schemas['RuleInput'];
export type FiringAlert = Schemas['FiringAlert'];
export type Delivery = Schemas['Delivery'];

export const notifyKeys = {
  all: ['notifications'] as const,
  channels: ['notifications', 'channels'] as const,
  rules: ['notifications', 'rules'] as const,
  alerts: ['notifications', 'alerts'] as const,
  deliveries: ['notifications', 'deliveries'] as const,
};

function useInvalidate() {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: notifyKeys.all });
    void queryClient.invalidateQueries({ queryKey: queryKeys.events });
  };
}

export function useChannels(enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: notifyKeys.channels, queryFn: () => unwrap(api.GET('/notifications/channels')), enabled });
}

export function useAlertRules(enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: notifyKeys.rules, queryFn: () => unwrap(api.GET('/notifications/rules')), enabled });
}

export function useFiringAlerts(enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: notifyKeys.alerts,
    queryFn: () => unwrap(api.GET('/notifications/alerts')),
    enabled,
    refetchInterval: 10_000,
  });
}

export function useDeliveries(enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: notifyKeys.deliveries,
    queryFn: async () => (await unwrap(api.GET('/notifications/deliveries', { params: { query: { limit: 50 } } }))).deliveries,
    enabled,
    refetchInterval: 5_000,
  });
}

export function useCreateChannel() {
  const api = useApi();
  const invalidate = useInvalidate();
  return useMutation<ChannelCreated, ApiError, ChannelInput>({
    mutationFn: (body) => unwrap(api.POST('/notifications/channels', { body })),
    onSuccess: invalidate,
  });
}

export function useDeleteChannel() {
  const api = useApi();
  const invalidate = useInvalidate();
  return useMutation<void, ApiError, string>({
    mutationFn: async (id) => {
      await unwrap(api.DELETE('/notifications/channels/{id}', { params: { path: { id } } }));
    },
    onSuccess: invalidate,
  });
}

export function useTestChannel() {
  const api = useApi();
  const invalidate = useInvalidate();
  return useMutation<Delivery, ApiError, string>({
    mutationFn: (id) => unwrap(api.POST('/notifications/channels/{id}/test', { params: { path: { id } } })),
    onSuccess: invalidate,
  });
}

export function useCreateRule() {
  const api = useApi();
  const invalidate = useInvalidate();
  return useMutation<AlertRule, ApiError, RuleInput>({
    mutationFn: (body) => unwrap(api.POST('/notifications/rules', { body })),
    onSuccess: invalidate,
  });
}

export function useUpdateRule() {
  const api = useApi();
  const invalidate = useInvalidate();
  return useMutation<AlertRule, ApiError, { id: string; body: RuleInput }>({
    mutationFn: ({ id, body }) => unwrap(api.PUT('/notifications/rules/{id}', { params: { path: { id } }, body })),
    onSuccess: invalidate,
  });
}

export function useDeleteRule() {
  const api = useApi();
  const invalidate = useInvalidate();
  return useMutation<void, ApiError, string>({
    mutationFn: async (id) => {
      await unwrap(api.DELETE('/notifications/rules/{id}', { params: { path: { id } } }));
    },
    onSuccess: invalidate,
  });
}
