// The caller's own password change (account menu). Asks for the current password and the
// new one twice; on success every session of the user ends (this one too) and the
// dashboard returns to the login page.
import { Checkbox, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useChangeOwnPassword } from '../api/accountQueries';
import { FormActions, FormError } from '../components/FormActions';
import { useFormErrors } from '../lib/useFormErrors';
import { passwordProblem } from '../lib/validation';
import { useTranslation } from 'react-i18next';

export function ChangePasswordDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation('layout');
  return (
    <Modal opened={opened} onClose={onClose} title={t('password.title')} centered>
      {opened && <ChangePasswordForm onCancel={onClose} />}
    </Modal>
  );
}

function ChangePasswordForm({ onCancel }: { onCancel: () => void }) {
  const { t } = useTranslation('layout');
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [keepTokens, setKeepTokens] = useState(false);
  const change = useChangeOwnPassword();
  const form = useFormErrors(
    {
      current_password: current === '' ? t('password.enterCurrent') : null,
      new_password: passwordProblem(next),
      repeat: repeat !== next ? t('password.differ') : null,
    },
    change.error,
  );
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check()) return;
    change.mutate({ current_password: current, new_password: next, keep_tokens: keepTokens });
  }
  return (
    <form onSubmit={onSubmit} noValidate aria-label={t('password.title')}>
      <Stack gap="sm">
        <Text size="sm">{t('password.explain')}</Text>
        <PasswordInput
          label={t('password.current')}
          required
          value={current}
          onChange={(e) => setCurrent(e.currentTarget.value)}
          error={form.error('current_password')}
          autoComplete="current-password"
        />
        <PasswordInput
          label={t('password.new')}
          description={t('password.rules')}
          required
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
          error={form.error('new_password')}
          autoComplete="new-password"
        />
        <PasswordInput
          label={t('password.repeat')}
          required
          value={repeat}
          onChange={(e) => setRepeat(e.currentTarget.value)}
          error={form.error('repeat')}
          autoComplete="new-password"
        />
        <Checkbox label={t('password.keepTokens')} checked={keepTokens} onChange={(e) => setKeepTokens(e.currentTarget.checked)} />
        <FormError error={change.error} fields={['current_password', 'new_password']} title={t('password.failed')} />
        <FormActions submitLabel={t('password.title')} pending={change.isPending} onCancel={onCancel} />
      </Stack>
    </form>
  );
}
