// Creating an API token: its name, role (at most the caller's) and lifetime.
import { NumberInput, Select, Stack, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { type IssuedToken, useCreateToken } from '../../api/accountQueries';
import type { Role } from '../../api/client';
import { useMe } from '../../api/queries';
import { FormActions, FormError } from '../../components/FormActions';
import { useFormErrors } from '../../lib/useFormErrors';
import { RANK, roles } from './roles';
import { useTranslation } from 'react-i18next';

export function NewTokenForm({ onClose, onIssued }: { onClose: () => void; onIssued: (t: IssuedToken) => void }) {
  const { t } = useTranslation(['tokens', 'common']);
  const me = useMe().data;
  const myRank = RANK[me?.role ?? 'viewer'];
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(me?.role ?? 'viewer');
  const [days, setDays] = useState<number | string>('');
  const create = useCreateToken();
  const daysNumber = Number(days);
  const form = useFormErrors(
    {
      name: name.trim().length === 0 ? t('form.sayWhat') : name.trim().length > 64 ? t('form.at64') : null,
      expires_in_days:
        days === '' ? null : !Number.isInteger(daysNumber) || daysNumber < 1 || daysNumber > 3650 ? t('form.days') : null,
    },
    create.error,
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check()) return;
    create.mutate({ name: name.trim(), role, ...(days === '' ? {} : { expires_in_days: daysNumber }) }, { onSuccess: onIssued });
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label={t('form.title')}>
      <Stack gap="sm">
        <TextInput
          label={t('common:noun.name')}
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={form.error('name')}
          autoComplete="off"
        />
        <Select
          label={t('role')}
          description={t('form.roleHelp')}
          data={roles().filter((r) => RANK[r.value] <= myRank)}
          value={role}
          onChange={(v) => setRole((v as Role) ?? 'viewer')}
          allowDeselect={false}
          error={form.error('role')}
        />
        <NumberInput
          label={t('form.expires')}
          description={t('form.expiresHelp')}
          min={1}
          max={3650}
          allowDecimal={false}
          value={days}
          onChange={setDays}
          error={form.error('expires_in_days')}
        />
        <FormError error={create.error} fields={['name', 'role', 'expires_in_days']} title={t('form.createFailed')} />
        <FormActions submitLabel={t('form.create')} pending={create.isPending} onCancel={onClose} />
      </Stack>
    </form>
  );
}
