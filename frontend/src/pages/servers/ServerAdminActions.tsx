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
import { Trans, useTranslation } from 'react-i18next';

function EditServerForm({ server, onClose }: { server: Server; onClose: () => void }) {
  const { t } = useTranslation(['servers', 'common']);
  const transport = server.transport;
  const [values, setValues] = useState<ConnectionFields>({
    name: server.name,
    address: transport.address ?? '',
    port: transport.port ?? 22,
    username: transport.username ?? '',
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
    if (values.address.trim() !== (transport.address ?? '')) patch.address = values.address.trim();
    if (Number(values.port) !== (transport.port ?? 22)) patch.port = Number(values.port);
    if (values.username.trim() !== (transport.username ?? '')) patch.username = values.username.trim();
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
    <form onSubmit={onSubmit} noValidate aria-label={t('admin.editLabel')}>
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
        <FormError error={update.error} fields={CONNECTION_FIELDS} title={t('admin.saveFailed')} />
        <FormActions submitLabel={t('common:actions.save')} pending={update.isPending} onCancel={onClose} />
      </Stack>
    </form>
  );
}

function AcceptHostKeyForm({ server, onClose }: { server: Server; onClose: () => void }) {
  const { t } = useTranslation(['servers', 'common']);
  const probe = useProbeHostKey();
  const accept = useAcceptHostKey(server.id);
  const [confirmed, setConfirmed] = useState(false);
  const transport = server.transport;
  return (
    <Stack gap="sm">
      <Text size="sm">
        <Trans
          t={t}
          i18nKey="admin.pinned"
          values={{ fingerprint: server.host_key_fingerprint ?? t('common:state.none') }}
          components={{ code: <Code style={{ overflowWrap: 'anywhere' }} /> }}
        />
      </Text>
      <Button variant="light" size="xs" onClick={() => probe.mutate({ address: transport.address ?? '', port: transport.port ?? 22 })} loading={probe.isPending}>
        {t('admin.readKey')}
      </Button>
      {probe.isError && <ErrorNotice title={t('add.keyFailed')} error={probe.error} />}
      {probe.data && (
        <>
          <Text size="sm">
            <Trans
              t={t}
              i18nKey={probe.data === server.host_key_fingerprint ? 'admin.presentsPinned' : 'admin.presents'}
              values={{ fingerprint: probe.data }}
              components={{ code: <Code style={{ overflowWrap: 'anywhere' }} /> }}
            />
          </Text>
          <Checkbox label={t('add.confirm')} checked={confirmed} onChange={(e) => setConfirmed(e.currentTarget.checked)} />
        </>
      )}
      {accept.isError && <ErrorNotice title={t('admin.acceptFailed')} error={accept.error} />}
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onClose}>
          {t('common:actions.cancel')}
        </Button>
        <Button
          color="orange"
          disabled={!probe.data || !confirmed}
          loading={accept.isPending}
          onClick={() => probe.data && accept.mutate(probe.data, { onSuccess: onClose })}
        >
          {t('admin.acceptNew')}
        </Button>
      </Group>
    </Stack>
  );
}

/** Admin actions on one SSH server: test, edit, accept a changed host key, remove. */
export function ServerAdminActions({ server, onRemoving }: { server: Server; onRemoving: (removing: boolean) => void }) {
  const { t } = useTranslation(['servers', 'common']);
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<'edit' | 'accept' | null>(null);
  const test = useTestServer();
  const remove = useRemoveServer();
  const removing = useConfirm<Server>(remove);
  const close = () => setDialog(null);
  return (
    <Section id="server-admin-title" title={t('admin.title')}>
      <Group gap="sm" wrap="wrap">
        <Button size="xs" onClick={() => test.mutate(server.id)} loading={test.isPending}>
          {t('admin.test')}
        </Button>
        <Button size="xs" variant="default" onClick={() => setDialog('edit')}>
          {t('admin.edit')}
        </Button>
        <Button size="xs" variant="default" onClick={() => setDialog('accept')}>
          {t('admin.acceptChanged')}
        </Button>
        <Button size="xs" variant="light" color="red" onClick={() => removing.open(server)}>
          {t('admin.remove')}
        </Button>
      </Group>
      {test.isError && <ErrorNotice title={t('add.testFailed')} error={test.error} />}
      {test.data && <CheckList checks={test.data} label={t('add.results')} />}
      <Modal opened={dialog === 'edit'} onClose={close} title={t('admin.editTitle', { name: server.name })} centered size="lg">
        {dialog === 'edit' && <EditServerForm server={server} onClose={close} />}
      </Modal>
      <Modal opened={dialog === 'accept'} onClose={close} title={t('admin.acceptTitle')} centered>
        {dialog === 'accept' && <AcceptHostKeyForm server={server} onClose={close} />}
      </Modal>
      <ConfirmDialog
        {...removing.dialog}
        title={t('admin.removeTitle', { name: server.name })}
        confirmLabel={t('admin.removeConfirm')}
        danger
        errorTitle={t('admin.removeFailed')}
        onConfirm={() => {
          // the page stops refetching the server that is about to be gone
          onRemoving(true);
          remove.mutate(server.id, { onSuccess: () => void navigate('/servers'), onError: () => onRemoving(false) });
        }}
      >
        <Text size="sm">
          {t('admin.removeText')}
        </Text>
      </ConfirmDialog>
    </Section>
  );
}
