import { Alert, Button, Group, Text } from '@mantine/core';
import { errorMessage } from '../api/problem';
import { useTranslation } from 'react-i18next';

/** A failed request, said in words (the problem `detail`), with an optional retry. */
export function ErrorNotice({
  title,
  error,
  onRetry,
}: {
  title: string;
  error: unknown;
  onRetry?: () => void;
}) {
  const { t } = useTranslation('common');
  return (
    <Alert color="red" variant="light" title={title} role="alert">
      <Group justify="space-between" gap="sm" wrap="wrap">
        <Text size="sm">{errorMessage(error)}</Text>
        {onRetry && (
          <Button size="xs" variant="default" onClick={onRetry}>
            {t('actions.tryAgain')}
          </Button>
        )}
      </Group>
    </Alert>
  );
}
