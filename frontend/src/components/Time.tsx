import { Text } from '@mantine/core';
import { formatTime } from '../lib/format';
import { useTranslation } from 'react-i18next';

/** A timestamp for people, its ISO form in the title; "never" when there is none. */
export function Time({ at }: { at: string | null | undefined }) {
  const { t } = useTranslation('common');
  if (!at) return <Text span size="sm" c="dimmed">{t('state.never')}</Text>;
  return (
    <Text span size="sm" title={at} data-time>
      {formatTime(at)}
    </Text>
  );
}
