// Admin actions on one SSH server: test the connection, edit it, accept a changed host key,
// remove it.
import { Button, Checkbox, Code, Group, Modal, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import type { Server } from '../../api/client';
import { type ServerPatch, useAcceptHostKey, useProbeHostKey, useRemoveServer, useTestServer, useUpdateServer } from '../../api/serverQueries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { FormActions, FormError } from '../../components/FormActions';
import { Section } from '../../components/Section';
import { useConfirm } from '../../lib/useConfirm';
import { useFormErrors } from '../../lib/useFormErrors';
import { CheckList } from './CheckList';
import { CONNECTION_FIELDS, type ConnectionFields, ConnectionInputs, CredentialInputs, type Method, rootsFrom, validateConnection } from './ConnectionInputs';

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
  const update = useUpdateServer(server.id);
  const form = useFormErrors(validateConnection(values), update.error);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check()) return;
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
        <ConnectionInputs values={values} set={(p) => setValues((v) => ({ ...v, ...p }))} error={form.error} />
        <CredentialInputs
          optional
          method={method}
          setMethod={setMethod}
          secret={secret}
          setSecret={setSecret}
          passphrase={passphrase}
          setPassphrase={setPassphrase}
          error={form.error}
        />
        <FormError error={update.error} fields={CONNECTION_FIELDS} title="Could not save the server" />
        <FormActions submitLabel="Save" pending={update.isPending} onCancel={onClose} />
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
  const [dialog, setDialog] = useState<'edit' | 'accept' | null>(null);
  const test = useTestServer();
  const remove = useRemoveServer();
  const removing = useConfirm<Server>(remove);
  const close = () => setDialog(null);
  return (
    <Section id="server-admin-title" title="Connection">
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
        <Button size="xs" variant="light" color="red" onClick={() => removing.open(server)}>
          Remove…
        </Button>
      </Group>
      {test.isError && <ErrorNotice title="The connection test failed" error={test.error} />}
      {test.data && <CheckList checks={test.data} label="Check results" />}
      <Modal opened={dialog === 'edit'} onClose={close} title={`Edit ${server.name}`} centered size="lg">
        {dialog === 'edit' && <EditServerForm server={server} onClose={close} />}
      </Modal>
      <Modal opened={dialog === 'accept'} onClose={close} title="Accept changed host key" centered>
        {dialog === 'accept' && <AcceptHostKeyForm server={server} onClose={close} />}
      </Modal>
      <ConfirmDialog
        {...removing.dialog}
        title={`Remove ${server.name}?`}
        confirmLabel="Remove server"
        danger
        errorTitle="Could not remove the server"
        onConfirm={() => {
          // the page stops refetching the server that is about to be gone
          onRemoving(true);
          remove.mutate(server.id, { onSuccess: () => void navigate('/servers'), onError: () => onRemoving(false) });
        }}
      >
        <Text size="sm">
          dist-btrfs forgets this server and its stored credentials. Nothing on the server is deleted. Refused while
          subvolumes on it are managed.
        </Text>
      </ConfirmDialog>
    </Section>
  );
}
