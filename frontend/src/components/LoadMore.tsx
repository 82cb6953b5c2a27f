// The button under a paged list that loads its next page; absent once the server has no
// more (see api/pages.ts).
import { Button, Group } from '@mantine/core';
import { useTranslation } from 'react-i18next';

type PagedQuery = { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> };

export function LoadMore({ list, label }: { list: PagedQuery; label?: string }) {
  const { t } = useTranslation('common');
  if (!list.hasNextPage) return null;
  return (
    <Group justify="center">
      <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
        {label ?? t('actions.loadMore')}
      </Button>
    </Group>
  );
}
