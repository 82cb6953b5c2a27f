import { SimpleGrid, Skeleton, Text, Title } from '@mantine/core';
import { useStorage } from '../api/storage';
import { ErrorNotice } from './ErrorNotice';
import { LoadMore } from './LoadMore';
import { StorageCard } from './StorageCard';
import { useTranslation } from 'react-i18next';

/** The Overview's storage section: one compact card per server. */
export function StorageOverview() {
  const { t } = useTranslation(['components', 'common']);
  const storage = useStorage();
  return (
    <section aria-labelledby="storage-overview-title">
      <Title order={2} size="h4" id="storage-overview-title" mb="sm">
        {t('storage.title')}
      </Title>
      {storage.isPending && <Skeleton h={120} />}
      {storage.isError && (
        <ErrorNotice title={t('storage.loadFailed')} error={storage.error} onRetry={() => void storage.refetch()} />
      )}
      {storage.data?.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('storage.noServers')}
        </Text>
      )}
      {storage.data && storage.data.length > 0 && (
        <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="md">
          {storage.data.map((s) => (
            <StorageCard key={s.server_id} serverId={s.server_id} serverName={s.server_name} compact />
          ))}
        </SimpleGrid>
      )}
      <LoadMore list={storage} label={t('storage.moreServers')} />
    </section>
  );
}
