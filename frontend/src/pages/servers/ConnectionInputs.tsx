// The inputs the add and edit forms of an SSH server share: where and as whom to connect,
// the allowed roots, and the credentials. Secrets are write-only: the inputs start empty.
import { Group, NumberInput, PasswordInput, SegmentedControl, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';

import { t as translate } from '../../i18n';
import { useTranslation } from 'react-i18next';

export function rootsFrom(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((r) => r.trim())
    .filter(Boolean);
}

export interface ConnectionFields {
  name: string;
  address: string;
  port: number | string;
  username: string;
  sudo: boolean;
  roots: string;
}

/** Every field a server's problem may name: the forms show those next to their input. */
export const CONNECTION_FIELDS = ['name', 'address', 'port', 'username', 'allowed_roots', 'password', 'private_key', 'passphrase', 'credentials', 'host_key_fingerprint'];

/** Client-side checks, mirroring the server's first checks (it has the last word). */
export function validateConnection(v: ConnectionFields): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!v.name.trim()) errors.name = translate('validation:name.empty');
  else if (!/^[A-Za-z0-9._@+-]+$/.test(v.name.trim())) errors.name = translate('servers:connection.nameChars');
  if (!v.address.trim()) errors.address = translate('servers:connection.enterAddress');
  else if (/\s/.test(v.address.trim())) errors.address = translate('servers:connection.noSpaces');
  const port = Number(v.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) errors.port = translate('servers:connection.portRange');
  if (!v.username.trim()) errors.username = translate('servers:connection.enterUser');
  const roots = rootsFrom(v.roots);
  if (roots.length === 0) errors.allowed_roots = translate('servers:connection.oneRoot');
  else if (roots.some((r) => !r.startsWith('/'))) errors.allowed_roots = translate('servers:connection.absoluteRoots');
  return errors;
}

/** The message for a field's input (useFormErrors' `error`). */
type ErrorOf = (field: string, ...also: string[]) => string | null;

export function ConnectionInputs({
  values,
  set,
  error,
}: {
  values: ConnectionFields;
  set: (patch: Partial<ConnectionFields>) => void;
  error: ErrorOf;
}) {
  const { t } = useTranslation(['servers', 'common']);
  return (
    <>
      <TextInput label={t('common:noun.name')} required value={values.name} onChange={(e) => set({ name: e.currentTarget.value })} error={error('name')} autoComplete="off" />
      <Group grow align="flex-start">
        <TextInput
          label={t('connection.address')}
          description={t('connection.addressHelp')}
          required
          value={values.address}
          onChange={(e) => set({ address: e.currentTarget.value })}
          error={error('address')}
          autoComplete="off"
        />
        <NumberInput label={t('connection.port')} required value={values.port} onChange={(v) => set({ port: v })} min={1} max={65535} error={error('port')} maw={120} />
      </Group>
      <TextInput label={t('connection.user')} required value={values.username} onChange={(e) => set({ username: e.currentTarget.value })} error={error('username')} autoComplete="off" />
      <Switch label={t('connection.sudo')} checked={values.sudo} onChange={(e) => set({ sudo: e.currentTarget.checked })} />
      <Textarea
        label={t('facts.roots')}
        description={t('connection.rootsHelp')}
        required
        autosize
        minRows={2}
        value={values.roots}
        onChange={(e) => set({ roots: e.currentTarget.value })}
        error={error('allowed_roots')}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
      />
    </>
  );
}

export type Method = 'password' | 'key';

/** The field a method's secret goes in: `password` or `private_key`. */
export const secretField = (method: Method) => (method === 'password' ? 'password' : 'private_key');

export function CredentialInputs({
  method,
  setMethod,
  secret,
  setSecret,
  passphrase,
  setPassphrase,
  error,
  optional,
}: {
  method: Method;
  setMethod: (m: Method) => void;
  secret: string;
  setSecret: (s: string) => void;
  passphrase: string;
  setPassphrase: (s: string) => void;
  error: ErrorOf;
  optional?: boolean;
}) {
  const { t } = useTranslation(['servers', 'common']);
  return (
    <Stack gap="xs">
      <Text size="sm" fw={500} id="credential-kind-label">
        {optional ? t('connection.newCredentials') : t('connection.authentication')}
      </Text>
      <SegmentedControl
        aria-labelledby="credential-kind-label"
        value={method}
        onChange={(v) => setMethod(v as Method)}
        data={[
          { value: 'password', label: t('connection.password') },
          { value: 'key', label: t('connection.privateKey') },
        ]}
      />
      {method === 'password' ? (
        <PasswordInput
          label={t('connection.sshPassword')}
          required={!optional}
          value={secret}
          onChange={(e) => setSecret(e.currentTarget.value)}
          error={error('password', 'credentials')}
          autoComplete="new-password"
        />
      ) : (
        <>
          <Textarea
            label={t('connection.privateKey')}
            description={t('connection.keyHelp')}
            required={!optional}
            autosize
            minRows={3}
            maxRows={8}
            value={secret}
            onChange={(e) => setSecret(e.currentTarget.value)}
            error={error('private_key', 'credentials')}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
            autoComplete="off"
            spellCheck={false}
          />
          <PasswordInput
            label={t('connection.passphrase')}
            value={passphrase}
            onChange={(e) => setPassphrase(e.currentTarget.value)}
            error={error('passphrase')}
            autoComplete="off"
          />
        </>
      )}
    </Stack>
  );
}
