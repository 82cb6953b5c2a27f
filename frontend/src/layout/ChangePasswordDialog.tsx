// The caller's own password change (account menu). Asks for the current password and the
// new one twice; on success every session of the user ends (this one too) and the
// dashboard returns to the login page.
import { Button, Checkbox, Group, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useChangeOwnPassword } from '../api/accountQueries';
import { ErrorNotice } from '../components/ErrorNotice';
import { fieldError, isFieldError } from '../lib/fieldError';
import { passwordProblem } from '../lib/validation';

export function ChangePasswordDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Change password" centered>
      {opened && <ChangePasswordForm onCancel={onClose} />}
    </Modal>
  );
}

function ChangePasswordForm({ onCancel }: { onCancel: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [keepTokens, setKeepTokens] = useState(false);
  const [touched, setTouched] = useState(false);
  const change = useChangeOwnPassword();
  const currentError = current === '' ? 'Enter your current password.' : null;
  const nextError = passwordProblem(next);
  const repeatError = repeat !== next ? 'The two new passwords differ.' : null;
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (currentError || nextError || repeatError) return;
    change.mutate({ current_password: current, new_password: next, keep_tokens: keepTokens });
  }
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Change password">
      <Stack gap="sm">
        <Text size="sm">
          Changing your password logs you out everywhere, this browser included, and revokes your API
          tokens unless you keep them.
        </Text>
        <PasswordInput
          label="Current password"
          required
          value={current}
          onChange={(e) => setCurrent(e.currentTarget.value)}
          error={(touched && currentError) || fieldError(change.error, 'current_password')}
          autoComplete="current-password"
        />
        <PasswordInput
          label="New password"
          description="At least 12 characters; not a commonly used password."
          required
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
          error={(touched && nextError) || fieldError(change.error, 'new_password')}
          autoComplete="new-password"
        />
        <PasswordInput
          label="Repeat the new password"
          required
          value={repeat}
          onChange={(e) => setRepeat(e.currentTarget.value)}
          error={touched && repeatError}
          autoComplete="new-password"
        />
        <Checkbox label="Keep my API tokens" checked={keepTokens} onChange={(e) => setKeepTokens(e.currentTarget.checked)} />
        {change.isError && !isFieldError(change.error, ['current_password', 'new_password']) && (
          <ErrorNotice title="Could not change the password" error={change.error} />
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={change.isPending}>
            Change password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
