// The button under a paged list that loads its next page; absent once the server has no
// more (see api/pages.ts).
import { Button, Group } from '@mantine/core';

type PagedQuery = { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> };

export function LoadMore({ list, label = 'Load more' }: { list: PagedQuery; label?: string }) {
  if (!list.hasNextPage) return null;
  return (
    <Group justify="center">
      <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
        {label}
      </Button>
    </Group>
  );
}
