import { Card, Stack } from '@mantine/core';
import { LoadMore } from './LoadMore';
import { QueryState, type QueryLike } from './QueryState';
import { ResponsiveTable, type ResponsiveTableProps } from './ResponsiveTable';

type MaybePaged = { hasNextPage?: boolean; isFetchingNextPage?: boolean; fetchNextPage?: () => Promise<unknown> };

/**
 * A list page's card: the rows a query loads, as a ResponsiveTable, with the query's
 * loading and error states (QueryState) in its place, and "Load more" under the rows
 * while a paged query (api/pages.ts) has more.
 */
export function TableCard<T>({
  query,
  errorTitle,
  ...table
}: { query: QueryLike<T[]> & MaybePaged; errorTitle: string } & Omit<ResponsiveTableProps<T>, 'rows'>) {
  const { hasNextPage = false, isFetchingNextPage = false, fetchNextPage } = query;
  return (
    <Card withBorder padding="md" radius="md">
      <QueryState query={query} errorTitle={errorTitle}>
        {(rows) => (
          <Stack gap="sm">
            <ResponsiveTable rows={rows} {...table} />
            {fetchNextPage && <LoadMore list={{ hasNextPage, isFetchingNextPage, fetchNextPage }} />}
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}
