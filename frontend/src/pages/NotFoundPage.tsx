import { Anchor, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useTranslation } from 'react-i18next';

export function NotFoundPage() {
  const { t } = useTranslation('layout');
  useDocumentTitle(t('notFound.title'));
  return (
    <Stack gap="sm">
      <Title order={2}>{t('notFound.heading')}</Title>
      <Text>{t('notFound.text')}</Text>
      <Anchor component={Link} to="/">
        {t('notFound.back')}
      </Anchor>
    </Stack>
  );
}
