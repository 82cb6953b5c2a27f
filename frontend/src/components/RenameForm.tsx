import { Alert, Button, Group, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useRenameInstance } from '../api/queries';
import { useFormErrors } from '../lib/useFormErrors';
import { INSTANCE_NAME_MAX, validateInstanceName } from '../lib/validation';

/** Renames the installation (PATCH /instance). Validates like the server before sending. */
export function RenameForm({ currentName }: { currentName: string | null | undefined }) {
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
    <form onSubmit={onSubmit} noValidate aria-label="Rename installation">
      <TextInput
        label="Installation name"
        description={`1-${INSTANCE_NAME_MAX} characters`}
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
          Rename
        </Button>
      </Group>
      {rename.isError && (
        <Alert color="red" variant="light" mt="sm" role="alert" title="Rename failed">
          {rename.error.message}
        </Alert>
      )}
      {rename.isSuccess && (
        <Text size="sm" c="teal" mt="sm" role="status">
          Renamed to “{rename.data.name}”.
        </Text>
      )}
    </form>
  );
}
