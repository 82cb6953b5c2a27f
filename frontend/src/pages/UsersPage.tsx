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
import { ROLES, RoleBadge } from './users/roles';

const ROLE_MEANS: Record<Role, string> = {
  viewer: 'As viewer they can only look.',
  operator: 'As operator they can snapshot, replicate, restore and change policies and targets.',
  admin: 'As admin they can also manage servers, users and every token.',
};
import { NewUserForm, ResetPasswordForm } from './users/UserForms';

export function UsersPage() {
  useDocumentTitle('Users');
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
        <Title order={2}>Users</Title>
        <Text size="sm" c="dimmed">
          Only admins manage user accounts. You are signed in as {me?.username} ({me?.role}).
        </Text>
      </Stack>
    );
  }

  const columns: Column<User>[] = [
    { label: 'User', bare: false, render: (u) => <Text size="sm" fw={600}>{u.username}</Text> },
    {
      label: 'Role',
      w: 190,
      render: (u) =>
        u.user_id === me?.user_id ? (
          <RoleBadge role={u.role} />
        ) : (
          <NativeSelect
            aria-label={`Role of ${u.username}`}
            size="xs"
            data={ROLES.map((r) => r.value)}
            value={u.role}
            onChange={(e) => {
              const role = e.currentTarget.value as Role;
              if (role !== u.role) changing.open({ user: u, role });
            }}
            w={140}
          />
        ),
    },
    { label: 'Created', w: 200, render: (u) => formatTime(u.created_at) },
    {
      label: 'Actions',
      end: true,
      bare: true,
      w: 230,
      render: (u) => (
        <Group gap="xs" justify="flex-end" wrap="nowrap">
          <Button size="xs" variant="default" onClick={() => setResetting(u)} aria-label={`Reset password of ${u.username}`}>
            Reset password
          </Button>
          {u.user_id !== me?.user_id && (
            <Button size="xs" variant="light" color="red" onClick={() => deleting.open(u)} aria-label={`Delete ${u.username}`}>
              Delete
            </Button>
          )}
        </Group>
      ),
    },
  ];

  return (
    <Stack gap="md">
      <PageHeader title="Users">
        <Button onClick={() => setCreating(true)}>New user</Button>
      </PageHeader>
      <TableCard
        query={users}
        errorTitle="Could not load users"
        columns={columns}
        rowKey={(u) => u.user_id}
        caption="Users"
        rowProps={(u) => ({ 'data-testid': 'user-row', 'data-username': u.username })}
      />
      <Modal opened={creating} onClose={() => setCreating(false)} title="New user" centered>
        {creating && <NewUserForm onDone={() => setCreating(false)} />}
      </Modal>
      <Modal opened={resetting !== null} onClose={() => setResetting(null)} title={`Reset password of ${resetting?.username ?? ''}`} centered>
        {resetting && <ResetPasswordForm user={resetting} onDone={() => setResetting(null)} />}
      </Modal>
      <ConfirmDialog
        {...changing.dialog}
        title={`Make ${changing.subject?.user.username ?? ''} ${changing.subject?.role ?? ''}?`}
        confirmLabel="Change role"
        errorTitle="Could not change the role"
        onConfirm={() =>
          changing.subject &&
          patch.mutate({ id: changing.subject.user.user_id, patch: { role: changing.subject.role } }, { onSuccess: changing.close })
        }
      >
        <Text size="sm">
          {changing.subject?.user.username} is {changing.subject?.user.role} now. {ROLE_MEANS[changing.subject?.role ?? 'viewer']} Their
          sessions and tokens keep working with the new role.
        </Text>
      </ConfirmDialog>
      <ConfirmDialog
        {...deleting.dialog}
        title={`Delete ${deleting.subject?.username ?? ''}?`}
        confirmLabel="Delete user"
        danger
        errorTitle="Could not delete the user"
        onConfirm={() => deleting.subject && remove.mutate(deleting.subject.user_id, { onSuccess: deleting.close })}
      >
        <Text size="sm">Their sessions end and their tokens stop working. The audit timeline keeps their actions.</Text>
      </ConfirmDialog>
    </Stack>
  );
}
