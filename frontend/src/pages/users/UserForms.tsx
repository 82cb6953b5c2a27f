// Creating a user and resetting a user's password (admins).
import { Checkbox, PasswordInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { type User, useCreateUser, usePatchUser } from '../../api/accountQueries';
import type { Role } from '../../api/client';
import { FormActions, FormError } from '../../components/FormActions';
import { useFormErrors } from '../../lib/useFormErrors';
import { passwordProblem } from '../../lib/validation';
import { roles } from './roles';
import { useTranslation } from 'react-i18next';

const USERNAME = /^[a-z][a-z0-9._-]{0,31}$/;

export function NewUserForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation(['users', 'common']);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const create = useCreateUser();
  const form = useFormErrors(
    {
      username: USERNAME.test(username) ? null : t('form.usernameRule'),
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
    <form onSubmit={onSubmit} noValidate aria-label={t('new')}>
      <Stack gap="sm">
        <TextInput
          label={t('form.username')}
          required
          value={username}
          onChange={(e) => setUsername(e.currentTarget.value)}
          error={form.error('username')}
          autoComplete="off"
        />
        <PasswordInput
          label={t('form.password')}
          required
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={form.error('password')}
          autoComplete="new-password"
        />
        <Select
          label={t('roleLabel')}
          data={roles()}
          value={role}
          onChange={(v) => setRole((v as Role) ?? 'viewer')}
          allowDeselect={false}
          error={form.error('role')}
        />
        <FormError error={create.error} fields={['username', 'password', 'role']} title={t('form.createFailed')} />
        <FormActions submitLabel={t('form.create')} pending={create.isPending} onCancel={onDone} />
      </Stack>
    </form>
  );
}

export function ResetPasswordForm({ user, onDone }: { user: User; onDone: () => void }) {
  const { t } = useTranslation(['users', 'common']);
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
    <form onSubmit={onSubmit} noValidate aria-label={t('reset')}>
      <Stack gap="sm">
        <Text size="sm">{t('form.resetExplain')}</Text>
        <PasswordInput
          label={t('form.newPassword')}
          required
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={form.error('password')}
          autoComplete="new-password"
        />
        <Checkbox
          label={t('form.keepTokens')}
          checked={keepTokens}
          onChange={(e) => setKeepTokens(e.currentTarget.checked)}
        />
        <FormError error={patch.error} fields={['password']} title={t('form.resetFailed')} />
        <FormActions submitLabel={t('form.setPassword')} pending={patch.isPending} onCancel={onDone} />
      </Stack>
    </form>
  );
}
