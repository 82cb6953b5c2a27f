import { Skeleton } from '@mantine/core';
import type { ReactNode } from 'react';
import { ErrorNotice } from './ErrorNotice';

/** What QueryState reads of a TanStack query result. */
export interface QueryLike<T> {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

/**
 * A query's states in place: a skeleton while it loads, its error (with "Try again" unless
 * `retry` is false), and `children(data)` once there is data (also next to a failed refetch).
 */
export function QueryState<T>({
  query,
  errorTitle,
  skeleton = 120,
  retry = true,
  children,
}: {
  query: QueryLike<T>;
  errorTitle: string;
  /** The skeleton's height. */
  skeleton?: number;
  retry?: boolean;
  children: (data: T) => ReactNode;
}) {
  return (
    <>
      {query.isPending && <Skeleton h={skeleton} />}
      {query.isError && (
        <ErrorNotice title={errorTitle} error={query.error} onRetry={retry ? () => void query.refetch() : undefined} />
      )}
      {query.data !== undefined && query.data !== null && children(query.data)}
    </>
  );
}
