// Adding, changing and removing SSH servers (admins): the forms and actions the Servers
// pages embed. Secrets are write-only: forms start empty and never show stored ones.
import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  Modal,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import type { Server } from '../api/client';
import {
  type CheckResult,
  type NewServer,
  type ServerPatch,
  failedChecks,
  useAcceptHostKey,
  useProbeHostKey,
  useRegisterServer,
  useRemoveServer,
  useTestServer,
  useUpdateServer,
} from '../api/serverQueries';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { fieldError, isFieldError } from '../lib/fieldError';

/** The result of each server check, failed ones first in red. */
export function CheckList({ checks, label }: { checks: CheckResult[]; label: string }) {
  return (
    <Stack gap={4} component="ul" aria-label={label} p={0} m={0} style={{ listStyle: 'none' }}>
      {checks.map((c) => (
        <Group key={c.name} component="li" gap="xs" wrap="nowrap" align="flex-start" data-testid="check" data-ok={String(c.ok)}>
          <Badge color={c.ok ? 'teal' : 'red'} variant="light" radius="sm" tt="none" miw={56}>
            {c.ok ? 'ok' : 'failed'}
          </Badge>
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            <Text span ff="monospace" fw={500}>
              {c.name}
            </Text>{' '}
            — {c.detail}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}

function rootsFrom(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((r) => r.trim())
    .filter(Boolean);
}

interface ConnectionFields {
  name: string;
  address: string;
  port: number | string;
  username: string;
  sudo: boolean;
  roots: string;
}

/** Client-side checks, mirroring the server's first checks (it has the last word). */
function validateConnection(v: ConnectionFields): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!v.name.trim()) errors.name = 'Enter a name.';
  else if (!/^[A-Za-z0-9._@+-]+$/.test(v.name.trim())) errors.name = 'Use letters, digits and . _ @ + - only.';
  if (!v.address.trim()) errors.address = 'Enter a host name or IP address.';
  else if (/\s/.test(v.address.trim())) errors.address = 'No spaces.';
  const port = Number(v.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) errors.port = 'A port from 1 to 65535.';
  if (!v.username.trim()) errors.username = 'Enter the SSH user.';
  const roots = rootsFrom(v.roots);
  if (roots.length === 0) errors.allowed_roots = 'At least one absolute path.';
  else if (roots.some((r) => !r.startsWith('/'))) errors.allowed_roots = 'Every root must be an absolute path.';
  return errors;
}

function ConnectionInputs({
  values,
  set,
  errors,
  serverError,
}: {
  values: ConnectionFields;
  set: (patch: Partial<ConnectionFields>) => void;
  errors: Record<string, string>;
  serverError: unknown;
}) {
  const err = (field: string) => errors[field] ?? fieldError(serverError, field);
  return (
    <>
      <TextInput label="Name" required value={values.name} onChange={(e) => set({ name: e.currentTarget.value })} error={err('name')} autoComplete="off" />
      <Group grow align="flex-start">
        <TextInput
          label="Address"
          description="Host name or IP address"
          required
          value={values.address}
          onChange={(e) => set({ address: e.currentTarget.value })}
          error={err('address')}
          autoComplete="off"
        />
        <NumberInput label="Port" required value={values.port} onChange={(v) => set({ port: v })} min={1} max={65535} error={err('port')} maw={120} />
      </Group>
      <TextInput label="SSH user" required value={values.username} onChange={(e) => set({ username: e.currentTarget.value })} error={err('username')} autoComplete="off" />
      <Switch label="Run btrfs through sudo -n (non-root user)" checked={values.sudo} onChange={(e) => set({ sudo: e.currentTarget.checked })} />
      <Textarea
        label="Allowed roots"
        description="Absolute paths dist-btrfs may work under, one per line."
        required
        autosize
        minRows={2}
        value={values.roots}
        onChange={(e) => set({ roots: e.currentTarget.value })}
        error={err('allowed_roots')}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
      />
    </>
  );
}

type Method = 'password' | 'key';

function CredentialInputs({
  method,
  setMethod,
  secret,
  setSecret,
  passphrase,
  setPassphrase,
  error,
  serverError,
  optional,
}: {
  method: Method;
  setMethod: (m: Method) => void;
  secret: string;
  setSecret: (s: string) => void;
  passphrase: string;
  setPassphrase: (s: string) => void;
  error: string | undefined;
  serverError: unknown;
  optional?: boolean;
}) {
  return (
    <Stack gap="xs">
      <Text size="sm" fw={500} id="credential-kind-label">
        {optional ? 'New credentials (leave empty to keep the stored ones)' : 'Authentication'}
      </Text>
      <SegmentedControl
        aria-labelledby="credential-kind-label"
        value={method}
        onChange={(v) => setMethod(v as Method)}
        data={[
          { value: 'password', label: 'Password' },
          { value: 'key', label: 'Private key' },
        ]}
      />
      {method === 'password' ? (
        <PasswordInput
          label="SSH password"
          required={!optional}
          value={secret}
          onChange={(e) => setSecret(e.currentTarget.value)}
          error={error ?? fieldError(serverError, 'password', 'credentials')}
          autoComplete="new-password"
        />
      ) : (
        <>
          <Textarea
            label="Private key"
            description="OpenSSH or PEM text (ed25519, RSA, ECDSA)"
            required={!optional}
            autosize
            minRows={3}
            maxRows={8}
            value={secret}
            onChange={(e) => setSecret(e.currentTarget.value)}
            error={error ?? fieldError(serverError, 'private_key', 'credentials')}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
            autoComplete="off"
            spellCheck={false}
          />
          <PasswordInput
            label="Key passphrase (if encrypted)"
            value={passphrase}
            onChange={(e) => setPassphrase(e.currentTarget.value)}
            error={fieldError(serverError, 'passphrase')}
            autoComplete="off"
          />
        </>
      )}
    </Stack>
  );
}

const CONNECTION_FIELDS = ['name', 'address', 'port', 'username', 'allowed_roots', 'password', 'private_key', 'passphrase', 'credentials', 'host_key_fingerprint'];

/** "Add SSH server": fill in, check the host key (shown to confirm), add, see the checks. */
export function AddServerDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="Add SSH server" centered size="lg">
      {opened && <AddServerForm onClose={onClose} />}
    </Modal>
  );
}

function AddServerForm({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const [values, setValues] = useState<ConnectionFields>({ name: '', address: '', port: 22, username: '', sudo: true, roots: '' });
  const [role, setRole] = useState<'remote' | 'primary'>('remote');
  const [method, setMethod] = useState<Method>('password');
  const [secret, setSecret] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [touched, setTouched] = useState(false);
  const [confirmed, setConfirmed] = useState(false);
  const [force, setForce] = useState(false);
  const probe = useProbeHostKey();
  const register = useRegisterServer();
  const test = useTestServer();

  const errors = validateConnection(values);
  if (!secret.trim()) errors.secret = method === 'password' ? 'Enter the password.' : 'Paste the private key.';
  const set = (patch: Partial<ConnectionFields>) => {
    setValues((v) => ({ ...v, ...patch }));
    if ('address' in patch || 'port' in patch) {
      probe.reset();
      setConfirmed(false);
    }
  };
  const fingerprint = probe.data;
  const checks = failedChecks(register.error);

  function onProbe() {
    setTouched(true);
    if (errors.address || errors.port) return;
    setConfirmed(false);
    probe.mutate({ address: values.address.trim(), port: Number(values.port) });
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length > 0 || !fingerprint || !confirmed) return;
    const body: NewServer = {
      name: values.name.trim(),
      address: values.address.trim(),
      port: Number(values.port),
      username: values.username.trim(),
      role,
      sudo: values.sudo,
      allowed_roots: rootsFrom(values.roots),
      host_key_fingerprint: fingerprint,
      force,
      ...(method === 'password' ? { password: secret } : { private_key: secret, ...(passphrase ? { passphrase } : {}) }),
    };
    register.mutate(body, {
      onSuccess: (server) => {
        setSecret('');
        setPassphrase('');
        test.mutate(server.id);
      },
    });
  }

  if (register.data) {
    const server = register.data;
    return (
      <Stack gap="md">
        <Alert color="teal" variant="light" title="Server added" role="status">
          <Text size="sm">
            {server.name} is registered with host key <Code>{server.host_key_fingerprint}</Code>.
          </Text>
        </Alert>
        <Title order={3} size="h5">
          Connection test
        </Title>
        {test.isPending && <Text size="sm">Testing the connection…</Text>}
        {test.isError && <ErrorNotice title="The connection test failed" error={test.error} />}
        {test.data && <CheckList checks={test.data} label="Check results" />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button onClick={() => void navigate(`/servers/${server.id}`)}>Open {server.name}</Button>
        </Group>
      </Stack>
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Add SSH server">
      <Stack gap="sm">
        <ConnectionInputs values={values} set={set} errors={touched ? errors : {}} serverError={register.error} />
        <Select
          label="Role"
          value={role}
          onChange={(v) => setRole((v as 'remote' | 'primary') ?? 'remote')}
          data={[
            { value: 'remote', label: 'Remote (receives replicas)' },
            { value: 'primary', label: 'Primary (its subvolumes are snapshotted)' },
          ]}
          allowDeselect={false}
        />
        <CredentialInputs
          method={method}
          setMethod={(m) => {
            setMethod(m);
            setSecret('');
            setPassphrase('');
          }}
          secret={secret}
          setSecret={setSecret}
          passphrase={passphrase}
          setPassphrase={setPassphrase}
          error={touched ? errors.secret : undefined}
          serverError={register.error}
        />
        <Card withBorder padding="sm" radius="sm" component="section" aria-label="Host key">
          <Stack gap="xs">
            <Group justify="space-between" wrap="wrap">
              <Text size="sm" fw={500}>
                Host key
              </Text>
              <Button size="xs" variant="light" onClick={onProbe} loading={probe.isPending}>
                {fingerprint ? 'Check again' : 'Check host key'}
              </Button>
            </Group>
            {probe.isError && <ErrorNotice title="Could not read the host key" error={probe.error} />}
            {fingerprint ? (
              <>
                <Text size="sm">
                  The server presents{' '}
                  <Code data-testid="probed-fingerprint" style={{ overflowWrap: 'anywhere' }}>
                    {fingerprint}
                  </Code>
                  . Compare it with <Code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</Code> on the server.
                </Text>
                <Checkbox
                  label="I checked this fingerprint: pin this key"
                  checked={confirmed}
                  onChange={(e) => setConfirmed(e.currentTarget.checked)}
                  error={touched && !confirmed ? 'Confirm the fingerprint to add the server.' : null}
                />
              </>
            ) : (
              <Text size="sm" c={touched ? 'red' : 'dimmed'}>
                Check the host key before adding: dist-btrfs pins the key you confirm.
              </Text>
            )}
            {fieldError(register.error, 'host_key_fingerprint') && (
              <Text size="sm" c="red">
                {fieldError(register.error, 'host_key_fingerprint')}
              </Text>
            )}
          </Stack>
        </Card>
        {checks && (
          <Alert color="red" variant="light" title="The server failed its checks (nothing was stored)" role="alert">
            <Stack gap="xs">
              <CheckList checks={checks} label="Failed check results" />
              {checks.some((c) => c.name === 'connect' && c.ok) && (
                <Checkbox label="Add it anyway (force)" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} />
              )}
            </Stack>
          </Alert>
        )}
        {register.isError && !checks && !isFieldError(register.error, CONNECTION_FIELDS) && (
          <ErrorNotice title="Could not add the server" error={register.error} />
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={register.isPending} disabled={!fingerprint || !confirmed}>
            Add server
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function EditServerForm({ server, onClose }: { server: Server; onClose: () => void }) {
  const t = server.transport;
  const [values, setValues] = useState<ConnectionFields>({
    name: server.name,
    address: t.address ?? '',
    port: t.port ?? 22,
    username: t.username ?? '',
    sudo: server.sudo,
    roots: server.allowed_roots.join('\n'),
  });
  const [method, setMethod] = useState<Method>(server.credential_kind === 'key' ? 'key' : 'password');
  const [secret, setSecret] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [touched, setTouched] = useState(false);
  const update = useUpdateServer(server.id);
  const errors = validateConnection(values);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (Object.keys(errors).length > 0) return;
    const patch: ServerPatch = {};
    if (values.name.trim() !== server.name) patch.name = values.name.trim();
    if (values.address.trim() !== (t.address ?? '')) patch.address = values.address.trim();
    if (Number(values.port) !== (t.port ?? 22)) patch.port = Number(values.port);
    if (values.username.trim() !== (t.username ?? '')) patch.username = values.username.trim();
    if (values.sudo !== server.sudo) patch.sudo = values.sudo;
    const roots = rootsFrom(values.roots);
    if (roots.join('\n') !== server.allowed_roots.join('\n')) patch.allowed_roots = roots;
    if (secret) {
      if (method === 'password') patch.password = secret;
      else {
        patch.private_key = secret;
        if (passphrase) patch.passphrase = passphrase;
      }
    }
    if (Object.keys(patch).length === 0) {
      onClose();
      return;
    }
    update.mutate(patch, { onSuccess: onClose });
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Edit server">
      <Stack gap="sm">
        <ConnectionInputs values={values} set={(p) => setValues((v) => ({ ...v, ...p }))} errors={touched ? errors : {}} serverError={update.error} />
        <CredentialInputs
          optional
          method={method}
          setMethod={setMethod}
          secret={secret}
          setSecret={setSecret}
          passphrase={passphrase}
          setPassphrase={setPassphrase}
          error={undefined}
          serverError={update.error}
        />
        {update.isError && !isFieldError(update.error, CONNECTION_FIELDS) && <ErrorNotice title="Could not save the server" error={update.error} />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={update.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function AcceptHostKeyForm({ server, onClose }: { server: Server; onClose: () => void }) {
  const probe = useProbeHostKey();
  const accept = useAcceptHostKey(server.id);
  const [confirmed, setConfirmed] = useState(false);
  const t = server.transport;
  return (
    <Stack gap="sm">
      <Text size="sm">
        Pinned now: <Code style={{ overflowWrap: 'anywhere' }}>{server.host_key_fingerprint ?? 'none'}</Code>
      </Text>
      <Button variant="light" size="xs" onClick={() => probe.mutate({ address: t.address ?? '', port: t.port ?? 22 })} loading={probe.isPending}>
        Read the key the server presents
      </Button>
      {probe.isError && <ErrorNotice title="Could not read the host key" error={probe.error} />}
      {probe.data && (
        <>
          <Text size="sm">
            The server presents <Code style={{ overflowWrap: 'anywhere' }}>{probe.data}</Code>
            {probe.data === server.host_key_fingerprint ? ' (the pinned key: nothing to accept).' : '.'}
          </Text>
          <Checkbox label="I checked this fingerprint: pin this key" checked={confirmed} onChange={(e) => setConfirmed(e.currentTarget.checked)} />
        </>
      )}
      {accept.isError && <ErrorNotice title="Could not accept the key" error={accept.error} />}
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button
          color="orange"
          disabled={!probe.data || !confirmed}
          loading={accept.isPending}
          onClick={() => probe.data && accept.mutate(probe.data, { onSuccess: onClose })}
        >
          Accept new key
        </Button>
      </Group>
    </Stack>
  );
}

/** Admin actions on one SSH server: test, edit, accept a changed host key, remove. */
export function ServerAdminActions({ server, onRemoving }: { server: Server; onRemoving: (removing: boolean) => void }) {
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<'edit' | 'accept' | 'remove' | null>(null);
  const test = useTestServer();
  const remove = useRemoveServer();
  const close = () => {
    setDialog(null);
    remove.reset();
  };
  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby="server-admin-title">
      <Stack gap="sm">
        <Title order={3} size="h4" id="server-admin-title">
          Connection
        </Title>
        <Group gap="sm" wrap="wrap">
          <Button size="xs" onClick={() => test.mutate(server.id)} loading={test.isPending}>
            Test connection
          </Button>
          <Button size="xs" variant="default" onClick={() => setDialog('edit')}>
            Edit…
          </Button>
          <Button size="xs" variant="default" onClick={() => setDialog('accept')}>
            Accept changed host key…
          </Button>
          <Button size="xs" variant="light" color="red" onClick={() => setDialog('remove')}>
            Remove…
          </Button>
        </Group>
        {test.isError && <ErrorNotice title="The connection test failed" error={test.error} />}
        {test.data && <CheckList checks={test.data} label="Check results" />}
      </Stack>
      <Modal opened={dialog === 'edit'} onClose={close} title={`Edit ${server.name}`} centered size="lg">
        {dialog === 'edit' && <EditServerForm server={server} onClose={close} />}
      </Modal>
      <Modal opened={dialog === 'accept'} onClose={close} title="Accept changed host key" centered>
        {dialog === 'accept' && <AcceptHostKeyForm server={server} onClose={close} />}
      </Modal>
      <ConfirmDialog
        opened={dialog === 'remove'}
        title={`Remove ${server.name}?`}
        confirmLabel="Remove server"
        danger
        loading={remove.isPending}
        error={remove.error}
        errorTitle="Could not remove the server"
        onConfirm={() => {
          // the page stops refetching the server that is about to be gone
          onRemoving(true);
          remove.mutate(server.id, { onSuccess: () => void navigate('/servers'), onError: () => onRemoving(false) });
        }}
        onClose={close}
      >
        <Text size="sm">
          dist-btrfs forgets this server and its stored credentials. Nothing on the server is deleted. Refused while
          subvolumes on it are managed.
        </Text>
      </ConfirmDialog>
    </Card>
  );
}
