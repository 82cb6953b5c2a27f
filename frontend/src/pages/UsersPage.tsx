// Users (admins: create, change role, reset password, delete) and API tokens (create with
// the secret shown once, list, revoke).
import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Modal,
  NativeSelect,
  NumberInput,
  PasswordInput,
  Select,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import {
  type IssuedToken,
  type Token,
  type User,
  useCreateToken,
  useCreateUser,
  useDeleteUser,
  useIsAdmin,
  usePatchUser,
  useRevokeToken,
  useTokens,
  useUsers,
} from '../api/accountQueries';
import type { Role } from '../api/client';
import { useCanOperate, useMe } from '../api/queries';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { ResponsiveTable, type Column } from '../components/ResponsiveTable';
import { fieldError, isFieldError } from '../lib/fieldError';
import { formatTime } from '../lib/format';
import { passwordProblem } from '../lib/validation';
import { useDocumentTitle } from '../lib/useDocumentTitle';

const ROLES: { value: Role; label: string }[] = [
  { value: 'viewer', label: 'Viewer (reads)' },
  { value: 'operator', label: 'Operator (snapshots, policies)' },
  { value: 'admin', label: 'Admin (servers, users)' },
];
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const USERNAME = /^[a-z][a-z0-9._-]{0,31}$/;
function RoleBadge({ role }: { role: Role }) {
  const color = role === 'admin' ? 'red' : role === 'operator' ? 'blue' : 'gray';
  return (
    <Badge variant="light" color={color} radius="sm" tt="none">
      {role}
    </Badge>
  );
}

export function UsersPage() {
  useDocumentTitle('Users');
  const isAdmin = useIsAdmin();
  const users = useUsers(isAdmin);
  const me = useMe().data;
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const patch = usePatchUser();
  const remove = useDeleteUser();

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
              if (role !== u.role) patch.mutate({ id: u.user_id, patch: { role } });
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
            <Button size="xs" variant="light" color="red" onClick={() => setDeleting(u)} aria-label={`Delete ${u.username}`}>
              Delete
            </Button>
          )}
        </Group>
      ),
    },
  ];

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={2}>Users</Title>
        <Button onClick={() => setCreating(true)}>New user</Button>
      </Group>
      {patch.isError && <ErrorNotice title="Could not change the role" error={patch.error} />}
      <Card withBorder padding="md" radius="md">
        {users.isPending && <Skeleton h={120} />}
        {users.isError && <ErrorNotice title="Could not load users" error={users.error} onRetry={() => void users.refetch()} />}
        {users.data && (
          <ResponsiveTable
            rows={users.data}
            columns={columns}
            rowKey={(u) => u.user_id}
            caption="Users"
            rowProps={(u) => ({ 'data-testid': 'user-row', 'data-username': u.username })}
          />
        )}
      </Card>
      <Modal opened={creating} onClose={() => setCreating(false)} title="New user" centered>
        {creating && <NewUserForm onDone={() => setCreating(false)} />}
      </Modal>
      <Modal opened={resetting !== null} onClose={() => setResetting(null)} title={`Reset password of ${resetting?.username ?? ''}`} centered>
        {resetting && <ResetPasswordForm user={resetting} onDone={() => setResetting(null)} />}
      </Modal>
      <ConfirmDialog
        opened={deleting !== null}
        title={`Delete ${deleting?.username ?? ''}?`}
        confirmLabel="Delete user"
        danger
        loading={remove.isPending}
        error={remove.error}
        errorTitle="Could not delete the user"
        onConfirm={() => deleting && remove.mutate(deleting.user_id, { onSuccess: () => setDeleting(null) })}
        onClose={() => {
          setDeleting(null);
          remove.reset();
        }}
      >
        <Text size="sm">Their sessions end and their tokens stop working. The audit timeline keeps their actions.</Text>
      </ConfirmDialog>
    </Stack>
  );
}

function NewUserForm({ onDone }: { onDone: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [touched, setTouched] = useState(false);
  const create = useCreateUser();
  const usernameError = USERNAME.test(username) ? null : 'Lower-case letter first, then letters, digits, . _ - (at most 32).';
  const pwError = passwordProblem(password);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (usernameError || pwError) return;
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
          error={(touched && usernameError) || fieldError(create.error, 'username')}
          autoComplete="off"
        />
        <PasswordInput
          label="Password"
          required
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          error={(touched && pwError) || fieldError(create.error, 'password')}
          autoComplete="new-password"
        />
        <Select
          label="Role"
          data={ROLES}
          value={role}
          onChange={(v) => setRole((v as Role) ?? 'viewer')}
          allowDeselect={false}
          error={fieldError(create.error, 'role')}
        />
        {create.isError && !isFieldError(create.error, ['username', 'password', 'role']) && (
          <ErrorNotice title="Could not create the user" error={create.error} />
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Create user
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ResetPasswordForm({ user, onDone }: { user: User; onDone: () => void }) {
  const [password, setPassword] = useState('');
  const [keepTokens, setKeepTokens] = useState(false);
  const [touched, setTouched] = useState(false);
  const patch = usePatchUser();
  const pwError = passwordProblem(password);
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (pwError) return;
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
          error={(touched && pwError) || fieldError(patch.error, 'password')}
          autoComplete="new-password"
        />
        <Checkbox
          label="Keep their API tokens"
          checked={keepTokens}
          onChange={(e) => setKeepTokens(e.currentTarget.checked)}
        />
        {patch.isError && !isFieldError(patch.error, ['password']) && <ErrorNotice title="Could not reset the password" error={patch.error} />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={patch.isPending}>
            Set password
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function TokensPage() {
  useDocumentTitle('API tokens');
  const tokens = useTokens();
  const canOperate = useCanOperate();
  const isAdmin = useIsAdmin();
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const revoke = useRevokeToken();

  const columns: Column<Token>[] = [
    { label: 'Name', bare: false, render: (t) => <Text size="sm" fw={600}>{t.name}</Text> },
    ...(isAdmin ? [{ label: 'User', w: 120, render: (t: Token) => t.username }] : []),
    { label: 'Role', w: 100, render: (t) => <RoleBadge role={t.role} /> },
    { label: 'Created', w: 190, render: (t) => formatTime(t.created_at) },
    {
      label: 'Status',
      w: 190,
      render: (t) =>
        t.revoked_at ? (
          <Text size="sm" c="dimmed">
            revoked {formatTime(t.revoked_at)}
          </Text>
        ) : t.expires_at ? (
          <Text size="sm" c={new Date(t.expires_at) < new Date() ? 'dimmed' : undefined}>
            {new Date(t.expires_at) < new Date() ? 'expired' : 'expires'} {formatTime(t.expires_at)}
          </Text>
        ) : (
          <Text size="sm">active, no expiry</Text>
        ),
    },
    {
      label: 'Actions',
      end: true,
      bare: true,
      w: 110,
      render: (t) =>
        canOperate && !t.revoked_at ? (
          <Button size="xs" variant="light" color="red" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>
            Revoke
          </Button>
        ) : null,
    },
  ];

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={2}>API tokens</Title>
        {canOperate && (
          <Button
            onClick={() => {
              setIssued(null);
              setCreating(true);
            }}
          >
            New token
          </Button>
        )}
      </Group>
      {issued && (
        <Alert color="teal" variant="light" title={`Token “${issued.name}” created`} withCloseButton closeButtonLabel="Dismiss" onClose={() => setIssued(null)} role="status">
          <Stack gap="xs">
            <Text size="sm">Copy it now: it is shown this once and cannot be shown again. Send it as “Authorization: Bearer …”.</Text>
            <Group gap="xs" wrap="nowrap" align="center">
              <Code data-testid="issued-token" style={{ overflowWrap: 'anywhere', flex: 1 }}>
                {issued.token}
              </Code>
              <CopyButton value={issued.token}>
                {({ copied, copy }) => (
                  <Button size="xs" variant={copied ? 'filled' : 'default'} color={copied ? 'teal' : undefined} onClick={copy}>
                    {copied ? 'Copied' : 'Copy'}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </Stack>
        </Alert>
      )}
      <Card withBorder padding="md" radius="md">
        {tokens.isPending && <Skeleton h={120} />}
        {tokens.isError && <ErrorNotice title="Could not load tokens" error={tokens.error} onRetry={() => void tokens.refetch()} />}
        {tokens.data &&
          (tokens.data.length > 0 ? (
            <ResponsiveTable
              rows={tokens.data}
              columns={columns}
              rowKey={(t) => t.token_id}
              caption="API tokens"
              rowProps={(t) => ({ 'data-testid': 'token-row', 'data-token-name': t.name, 'data-revoked': String(Boolean(t.revoked_at)) })}
            />
          ) : (
            <Text size="sm" c="dimmed">
              No tokens. Tokens let scripts and monitoring use the API.
            </Text>
          ))}
      </Card>
      <Modal opened={creating} onClose={() => setCreating(false)} title="New API token" centered>
        {creating && (
          <NewTokenForm
            onClose={() => setCreating(false)}
            onIssued={(t) => {
              setCreating(false);
              setIssued(t);
            }}
          />
        )}
      </Modal>
      <ConfirmDialog
        opened={revoking !== null}
        title={`Revoke ${revoking?.name ?? ''}?`}
        confirmLabel="Revoke token"
        danger
        loading={revoke.isPending}
        error={revoke.error}
        errorTitle="Could not revoke the token"
        onConfirm={() => revoking && revoke.mutate(revoking.token_id, { onSuccess: () => setRevoking(null) })}
        onClose={() => {
          setRevoking(null);
          revoke.reset();
        }}
      >
        <Text size="sm">It stops working at once. This cannot be undone.</Text>
      </ConfirmDialog>
    </Stack>
  );
}

function NewTokenForm({ onClose, onIssued }: { onClose: () => void; onIssued: (t: IssuedToken) => void }) {
  const me = useMe().data;
  const myRank = RANK[me?.role ?? 'viewer'];
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(me?.role ?? 'viewer');
  const [days, setDays] = useState<number | string>('');
  const [touched, setTouched] = useState(false);
  const create = useCreateToken();
  const nameError = name.trim().length === 0 ? 'Say what it is for, e.g. grafana.' : name.trim().length > 64 ? 'At most 64 characters.' : null;
  const daysNumber = Number(days);
  const daysError = days === '' ? null : !Number.isInteger(daysNumber) || daysNumber < 1 || daysNumber > 3650 ? 'Whole days, 1-3650.' : null;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (nameError || daysError) return;
    create.mutate({ name: name.trim(), role, ...(days === '' ? {} : { expires_in_days: daysNumber }) }, { onSuccess: onIssued });
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label="New API token">
      <Stack gap="sm">
        <TextInput
          label="Name"
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={(touched && nameError) || fieldError(create.error, 'name')}
          autoComplete="off"
        />
        <Select
          label="Role"
          description="At most your own role."
          data={ROLES.filter((r) => RANK[r.value] <= myRank)}
          value={role}
          onChange={(v) => setRole((v as Role) ?? 'viewer')}
          allowDeselect={false}
          error={fieldError(create.error, 'role')}
        />
        <NumberInput
          label="Expires after (days)"
          description="Empty: never."
          min={1}
          max={3650}
          allowDecimal={false}
          value={days}
          onChange={setDays}
          error={(touched && daysError) || fieldError(create.error, 'expires_in_days')}
        />
        {create.isError && !isFieldError(create.error, ['name', 'role', 'expires_in_days']) && (
          <ErrorNotice title="Could not create the token" error={create.error} />
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending}>
            Create token
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
