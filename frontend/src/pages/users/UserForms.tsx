// Creating a user and resetting a user's password (admins).
import { Checkbox, PasswordInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { type User, useCreateUser, usePatchUser } from '../../api/accountQueries';
import type { Role } from '../../api/client';
import { FormActions, FormError } from '../../components/FormActions';
import { useFormErrors } from '../../lib/useFormErrors';
import { passwordProblem } from '../../lib/validation';
import { ROLES } from './roles';

const USERNAME = /^[a-z][a-z0-9._-]{0,31}$/;

export function NewUserForm({ onDone }: { onDone: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const create = useCreateUser();
  const form = useFormErrors(
    {
      username: USERNAME.test(username) ? null : 'Lower-case letter first, then letters, digits, . _ - (at most 32).',
      password: passwordProblem(password),
    },
    create.error,
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check()) return;
    create.mutate({ username, password, role }, { onSuccess: onDone });
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label="New user">
      <Stack gap="sm">
        <TextInput
          label="User name"
          required
          value={username}
          onChange={(e) => setUsername(e.currentTarget.value)}
          error={form.error('username')}
          autoComplete="off"
        />
        <PasswordInput
          label="Password"
          required
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={form.error('password')}
          autoComplete="new-password"
        />
        <Select
          label="Role"
          data={ROLES}
          value={role}
          onChange={(v) => setRole((v as Role) ?? 'viewer')}
          allowDeselect={false}
          error={form.error('role')}
        />
        <FormError error={create.error} fields={['username', 'password', 'role']} title="Could not create the user" />
        <FormActions submitLabel="Create user" pending={create.isPending} onCancel={onDone} />
      </Stack>
    </form>
  );
}

export function ResetPasswordForm({ user, onDone }: { user: User; onDone: () => void }) {
  const [password, setPassword] = useState('');
  const [keepTokens, setKeepTokens] = useState(false);
  const patch = usePatchUser();
  const form = useFormErrors({ password: passwordProblem(password) }, patch.error);
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check()) return;
    patch.mutate({ id: user.user_id, patch: { password, keep_tokens: keepTokens } }, { onSuccess: onDone });
  }
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Reset password">
      <Stack gap="sm">
        <Text size="sm">
          All of their browser sessions end and their API tokens are revoked (unless kept); they sign in
          with the new password.
        </Text>
        <PasswordInput
          label="New password"
          required
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={form.error('password')}
          autoComplete="new-password"
        />
        <Checkbox
          label="Keep their API tokens"
          checked={keepTokens}
          onChange={(e) => setKeepTokens(e.currentTarget.checked)}
        />
        <FormError error={patch.error} fields={['password']} title="Could not reset the password" />
        <FormActions submitLabel="Set password" pending={patch.isPending} onCancel={onDone} />
      </Stack>
    </form>
  );
}
