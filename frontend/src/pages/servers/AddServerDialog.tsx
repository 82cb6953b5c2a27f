// "Add SSH server" (admins): fill in, check the host key (shown to confirm), add, then see
// the connection checks.
import { Alert, Button, Card, Checkbox, Code, Group, Modal, Select, Stack, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import type { Server } from '../../api/client';
import { type NewServer, failedChecks, useProbeHostKey, useRegisterServer, useTestServer } from '../../api/serverQueries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { FormActions, FormError } from '../../components/FormActions';
import { fieldError } from '../../lib/fieldError';
import { useFormErrors } from '../../lib/useFormErrors';
import { CheckList } from './CheckList';
import {
  CONNECTION_FIELDS,
  type ConnectionFields,
  ConnectionInputs,
  CredentialInputs,
  type Method,
  rootsFrom,
  secretField,
  validateConnection,
} from './ConnectionInputs';
import { Trans, useTranslation } from 'react-i18next';

export function AddServerDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation(['servers', 'common']);
  return (
    <Modal opened={opened} onClose={onClose} title={t('list.add')} centered size="lg">
      {opened && <AddServerForm onClose={onClose} />}
    </Modal>
  );
}

/** After adding: the pinned host key and the result of the first connection test. */
function Added({ server, test, onClose }: { server: Server; test: ReturnType<typeof useTestServer>; onClose: () => void }) {
  const { t } = useTranslation(['servers', 'common']);
  const navigate = useNavigate();
  return (
    <Stack gap="md">
      <Alert color="teal" variant="light" title={t('add.added')} role="status">
        <Text size="sm">
          <Trans t={t} i18nKey="add.registered" values={{ name: server.name, fingerprint: server.host_key_fingerprint }} components={{ code: <Code /> }} />
        </Text>
      </Alert>
      <Title order={3} size="h5">
        {t('add.test')}
      </Title>
      {test.isPending && <Text size="sm">{t('add.testing')}</Text>}
      {test.isError && <ErrorNotice title={t('add.testFailed')} error={test.error} />}
      {test.data && <CheckList checks={test.data} label={t('add.results')} />}
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={onClose}>
          {t('common:actions.close')}
        </Button>
        <Button onClick={() => void navigate(`/servers/${server.id}`)}>{t('add.open', { name: server.name })}</Button>
      </Group>
    </Stack>
  );
}

function AddServerForm({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation(['servers', 'common']);
  const [values, setValues] = useState<ConnectionFields>({ name: '', address: '', port: 22, username: '', sudo: true, roots: '' });
  const [role, setRole] = useState<'remote' | 'primary'>('remote');
  const [method, setMethod] = useState<Method>('password');
  const [secret, setSecret] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [force, setForce] = useState(false);
  const probe = useProbeHostKey();
  const register = useRegisterServer();
  const test = useTestServer();

  const checks = validateConnection(values);
  if (!secret.trim()) checks[secretField(method)] = method === 'password' ? t('add.enterPassword') : t('add.pasteKey');
  const form = useFormErrors(checks, register.error);
  const set = (patch: Partial<ConnectionFields>) => {
    setValues((v) => ({ ...v, ...patch }));
    if ('address' in patch || 'port' in patch) {
      probe.reset();
      setConfirmed(false);
    }
  };
  const fingerprint = probe.data;
  const failed = failedChecks(register.error);

  function onProbe() {
    if (!form.check('address', 'port')) return;
    setConfirmed(false);
    probe.mutate({ address: values.address.trim(), port: Number(values.port) });
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check() || !fingerprint || !confirmed) return;
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

  if (register.data) return <Added server={register.data} test={test} onClose={onClose} />;

  return (
    <form onSubmit={onSubmit} noValidate aria-label={t('list.add')}>
      <Stack gap="sm">
        <ConnectionInputs values={values} set={set} error={form.error} />
        <Select
          label={t('list.role')}
          value={role}
          onChange={(v) => setRole((v as 'remote' | 'primary') ?? 'remote')}
          data={[
            { value: 'remote', label: t('add.remote') },
            { value: 'primary', label: t('add.primary') },
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
          error={form.error}
        />
        <Card withBorder padding="sm" radius="sm" component="section" aria-label={t('facts.hostKey')}>
          <Stack gap="xs">
            <Group justify="space-between" wrap="wrap">
              <Text size="sm" fw={500}>
                {t('facts.hostKey')}
              </Text>
              <Button size="xs" variant="light" onClick={onProbe} loading={probe.isPending}>
                {fingerprint ? t('add.checkAgain') : t('add.checkKey')}
              </Button>
            </Group>
            {probe.isError && <ErrorNotice title={t('add.keyFailed')} error={probe.error} />}
            {fingerprint ? (
              <>
                <Text size="sm">
                  <Trans
                    t={t}
                    i18nKey="add.presents"
                    // i18n-ignore: a shell command, the same in every language
                    values={{ fingerprint, command: 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' }}
                    components={{
                      fp: <Code data-testid="probed-fingerprint" style={{ overflowWrap: 'anywhere' }} />,
                      code: <Code />,
                    }}
                  />
                </Text>
                <Checkbox
                  label={t('add.confirm')}
                  checked={confirmed}
                  onChange={(e) => setConfirmed(e.currentTarget.checked)}
                  error={form.touched && !confirmed ? t('add.confirmFirst') : null}
                />
              </>
            ) : (
              <Text size="sm" c={form.touched ? 'red' : 'dimmed'}>
                {t('add.checkFirst')}
              </Text>
            )}
            {fieldError(register.error, 'host_key_fingerprint') && (
              <Text size="sm" c="red">
                {fieldError(register.error, 'host_key_fingerprint')}
              </Text>
            )}
          </Stack>
        </Card>
        {failed && (
          <Alert color="red" variant="light" title={t('add.checksFailed')} role="alert">
            <Stack gap="xs">
              <CheckList checks={failed} label={t('add.failedResults')} />
              {failed.some((c) => c.name === 'connect' && c.ok) && (
                <Checkbox label={t('add.force')} checked={force} onChange={(e) => setForce(e.currentTarget.checked)} />
              )}
            </Stack>
          </Alert>
        )}
        {!failed && <FormError error={register.error} fields={CONNECTION_FIELDS} title={t('add.failed')} />}
        <FormActions submitLabel={t('add.submit')} pending={register.isPending} disabled={!fingerprint || !confirmed} onCancel={onClose} />
      </Stack>
    </form>
  );
}
