import { Card } from '@mantine/core';
import { QueryState, type QueryLike } from './QueryState';
import { ResponsiveTable, type ResponsiveTableProps } from './ResponsiveTable';

/**
 * A list page's card: the rows a query loads, as a ResponsiveTable, with the query's
 * loading and error states (QueryState) in its place.
 */
export function TableCard<T>({
  query,
  errorTitle,
  ...table
}: { query: QueryLike<T[]>; errorTitle: string } & Omit<ResponsiveTableProps<T>, 'rows'>) {
  return (
    <Card withBorder padding="md" radius="md">
      <QueryState query={query} errorTitle={errorTitle}>
        {(rows) => <ResponsiveTable rows={rows} {...table} />}
      </QueryState>
    </Card>
  );
}
