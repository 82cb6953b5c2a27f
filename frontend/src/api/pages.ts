// Keyset-paged lists (`items` and `next_after`; the API's `limit`/`after`) as one query:
// `data` is every item loaded so far, in the server's order, and `hasNextPage` /
// `fetchNextPage` load the next page (the LoadMore button under a list). The first page
// holds up to 1000 items, so a small fleet never sees a second one.
import { type QueryKey, useInfiniteQuery } from '@tanstack/react-query';

export type Paged<T> = { items: T[]; next_after?: string | null };

/** `refetchInterval`: milliseconds, or a function of the items loaded so far (e.g. refetch
 *  only while one of them is still running). */
export function usePagedList<T>(
  queryKey: QueryKey,
  fetchPage: (after: string | undefined) => Promise<Paged<T>>,
  options: { enabled?: boolean; refetchInterval?: number | ((items: T[]) => number | false) } = {},
) {
  const { refetchInterval, ...rest } = options;
  return useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: Paged<T>) => last.next_after ?? undefined,
    select: (data): T[] => data.pages.flatMap((p) => p.items),
    refetchInterval:
      typeof refetchInterval === 'function'
        ? (query) => refetchInterval(query.state.data?.pages.flatMap((p) => p.items) ?? [])
        : refetchInterval,
    ...rest,
  });
}

/** The `after` query parameter of a page (none for the first). */
export function afterParam(after: string | undefined): { after?: string } {
  return after === undefined ? {} : { after };
}
