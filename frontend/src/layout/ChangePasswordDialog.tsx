// The caller's own password change (account menu). Asks for the current password and the
// new one twice; on success every session of the user ends (this one too) and the
// dashboard returns to the login page.
import { Checkbox, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useChangeOwnPassword } from '../api/accountQueries';
import { FormActions, FormError } from '../components/FormActions';
import { useFormErrors } from '../lib/useFormErrors';
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
  const change = useChangeOwnPassword();
  const form = useFormErrors(
    {
      current_password: current === '' ? 'Enter your current password.' : null,
      new_password: passwordProblem(next),
      repeat: repeat !== next ? 'The two new passwords differ.' : null,
    },
    change.error,
  );
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check()) return;
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
          error={form.error('current_password')}
          autoComplete="current-password"
        />
        <PasswordInput
          label="New password"
          description="At least 12 characters; not a commonly used password."
          required
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
          error={form.error('new_password')}
          autoComplete="new-password"
        />
        <PasswordInput
          label="Repeat the new password"
          required
          value={repeat}
          onChange={(e) => setRepeat(e.currentTarget.value)}
          error={form.error('repeat')}
          autoComplete="new-password"
        />
        <Checkbox label="Keep my API tokens" checked={keepTokens} onChange={(e) => setKeepTokens(e.currentTarget.checked)} />
        <FormError error={change.error} fields={['current_password', 'new_password']} title="Could not change the password" />
        <FormActions submitLabel="Change password" pending={change.isPending} onCancel={onCancel} />
      </Stack>
    </form>
  );
}
