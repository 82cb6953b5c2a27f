// Users (admins: create, change role, reset password, delete). The forms are in ./users/;
// API tokens are on the TokensPage.
import { Button, Group, Modal, NativeSelect, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { type User, useDeleteUser, useIsAdmin, usePatchUser, useUsers } from '../api/accountQueries';
import type { Role } from '../api/client';
import { useMe } from '../api/queries';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PageHeader } from '../components/PageHeader';
import type { Column } from '../components/ResponsiveTable';
import { TableCard } from '../components/TableCard';
import { formatTime } from '../lib/format';
import { useConfirm } from '../lib/useConfirm';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { RoleBadge, roleName, roles } from './users/roles';

import { NewUserForm, ResetPasswordForm } from './users/UserForms';
import { useTranslation } from 'react-i18next';

export function UsersPage() {
  const { t } = useTranslation(['users', 'common']);
  useDocumentTitle(t('title'));
  const isAdmin = useIsAdmin();
  const users = useUsers(isAdmin);
  const me = useMe().data;
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);
  const patch = usePatchUser();
  const remove = useDeleteUser();
  const deleting = useConfirm<User>(remove);
  const changing = useConfirm<{ user: User; role: Role }>(patch);

  if (!isAdmin) {
    return (
      <Stack gap="md">
        <Title order={2}>{t('title')}</Title>
        <Text size="sm" c="dimmed">
          {t('adminsOnly', { username: me?.username, role: me?.role ? roleName(me.role) : '' })}
        </Text>
      </Stack>
    );
  }

  const columns: Column<User>[] = [
    { label: t('user'), bare: false, render: (u) => <Text size="sm" fw={600}>{u.username}</Text> },
    {
      label: t('roleLabel'),
      w: 190,
      render: (u) =>
        u.user_id === me?.user_id ? (
          <RoleBadge role={u.role} />
        ) : (
          <NativeSelect
            aria-label={t('roleOf', { username: u.username })}
            size="xs"
            data={roles().map((r) => ({ value: r.value, label: roleName(r.value) }))}
            value={u.role}
            onChange={(e) => {
              const role = e.currentTarget.value as Role;
              if (role !== u.role) changing.open({ user: u, role });
            }}
            w={140}
          />
        ),
    },
    { label: t('common:noun.created'), w: 200, render: (u) => formatTime(u.created_at) },
    {
      label: t('common:noun.actions'),
      end: true,
      bare: true,
      w: 230,
      render: (u) => (
        <Group gap="xs" justify="flex-end" wrap="nowrap">
          <Button size="xs" variant="default" onClick={() => setResetting(u)} aria-label={t('resetOf', { username: u.username })}>
            {t('reset')}
          </Button>
          {u.user_id !== me?.user_id && (
            <Button size="xs" variant="light" color="red" onClick={() => deleting.open(u)} aria-label={t('deleteLabel', { username: u.username })}>
              {t('common:actions.delete')}
            </Button>
          )}
        </Group>
      ),
    },
  ];

  return (
    <Stack gap="md">
      <PageHeader title={t('title')}>
        <Button onClick={() => setCreating(true)}>{t('new')}</Button>
      </PageHeader>
      <TableCard
        query={users}
        errorTitle={t('failed')}
        columns={columns}
        rowKey={(u) => u.user_id}
        caption={t('title')}
        rowProps={(u) => ({ 'data-testid': 'user-row', 'data-username': u.username })}
      />
      <Modal opened={creating} onClose={() => setCreating(false)} title={t('new')} centered>
        {creating && <NewUserForm onDone={() => setCreating(false)} />}
      </Modal>
      <Modal opened={resetting !== null} onClose={() => setResetting(null)} title={t('resetOf', { username: resetting?.username ?? '' })} centered>
        {resetting && <ResetPasswordForm user={resetting} onDone={() => setResetting(null)} />}
      </Modal>
      <ConfirmDialog
        {...changing.dialog}
        title={t('change.title', { username: changing.subject?.user.username ?? '', role: roleName(changing.subject?.role ?? 'viewer') })}
        confirmLabel={t('change.confirm')}
        errorTitle={t('change.failed')}
        onConfirm={() =>
          changing.subject &&
          patch.mutate({ id: changing.subject.user.user_id, patch: { role: changing.subject.role } }, { onSuccess: changing.close })
        }
      >
        <Text size="sm">
          {t('change.now', { username: changing.subject?.user.username, role: roleName(changing.subject?.user.role ?? 'viewer') })}{' '}
          {t(`change.means.${changing.subject?.role ?? 'viewer'}`)} {t('change.keep')}
        </Text>
      </ConfirmDialog>
      <ConfirmDialog
        {...deleting.dialog}
        title={t('delete.title', { username: deleting.subject?.username ?? '' })}
        confirmLabel={t('delete.confirm')}
        danger
        errorTitle={t('delete.failed')}
        onConfirm={() => deleting.subject && remove.mutate(deleting.subject.user_id, { onSuccess: deleting.close })}
      >
        <Text size="sm">{t('delete.text')}</Text>
      </ConfirmDialog>
    </Stack>
  );
}
