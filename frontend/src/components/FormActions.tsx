// The end of a form: the error no input shows, then Cancel and the submit button.
import { Button, Group } from '@mantine/core';
import type { ReactNode } from 'react';
import { isFieldError } from '../lib/fieldError';
import { ErrorNotice } from './ErrorNotice';
import { useTranslation } from 'react-i18next';

/**
 * A failed request's problem, unless it is about one of `fields`: those show next to their
 * input (see useFormErrors), so the form does not say them twice.
 */
export function FormError({ error, fields = [], title }: { error: unknown; fields?: string[]; title: string }) {
  if (!error || isFieldError(error, fields)) return null;
  return <ErrorNotice title={title} error={error} />;
}

/** Cancel (a plain button) and the form's submit button, right-aligned. */
export function FormActions({
  submitLabel,
  pending,
  disabled,
  onCancel,
}: {
  submitLabel: ReactNode;
  pending: boolean;
  /** The submit button is off (e.g. until something is confirmed). */
  disabled?: boolean;
  onCancel: () => void;
}) {
  const { t } = useTranslation('common');
  return (
    <Group justify="flex-end" gap="sm">
      <Button variant="default" onClick={onCancel}>
        {t('actions.cancel')}
      </Button>
      <Button type="submit" loading={pending} disabled={disabled}>
        {submitLabel}
      </Button>
    </Group>
  );
}
