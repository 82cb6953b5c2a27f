import { Alert, Button, Group, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useRenameInstance } from '../api/queries';
import { useFormErrors } from '../lib/useFormErrors';
import { INSTANCE_NAME_MAX, validateInstanceName } from '../lib/validation';
import { useTranslation } from 'react-i18next';

/** Renames the installation (PATCH /instance). Validates like the server before sending. */
export function RenameForm({ currentName }: { currentName: string | null | undefined }) {
  const { t } = useTranslation(['components', 'common']);
  const [name, setName] = useState(currentName ?? '');
  const rename = useRenameInstance();
  // the server's problems show in the alert below
  const form = useFormErrors({ name: validateInstanceName(name) }, null);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check()) return;
    rename.mutate(name.trim(), { onSuccess: (saved) => setName(saved.name ?? '') });
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label={t('rename.label')}>
      <TextInput
        label={t('rename.name')}
        description={t('rename.length', { max: INSTANCE_NAME_MAX })}
        value={name}
        onChange={(e) => {
          setName(e.currentTarget.value);
          if (!rename.isIdle) rename.reset();
        }}
        error={form.error('name')}
        autoComplete="off"
      />
      <Group mt="sm">
        <Button type="submit" loading={rename.isPending}>
          {t('common:actions.rename')}
        </Button>
      </Group>
      {rename.isError && (
        <Alert color="red" variant="light" mt="sm" role="alert" title={t('rename.failed')}>
          {rename.error.message}
        </Alert>
      )}
      {rename.isSuccess && (
        <Text size="sm" c="teal" mt="sm" role="status">
          {t('rename.done', { name: rename.data.name })}
        </Text>
      )}
    </form>
  );
}
