// Creating a notification channel (a signed webhook or email over SMTP) and an alert rule
// (which problem kinds notify which channels, how often a firing alert repeats).
import { Checkbox, MultiSelect, NumberInput, PasswordInput, SegmentedControl, Select, Stack, TagsInput, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { FleetProblem } from '../../api/client';
import { type Channel, type ChannelCreated, type ChannelInput, useCreateChannel, useCreateRule } from '../../api/notifyQueries';
import { FormActions, FormError } from '../../components/FormActions';
import { PROBLEM_KINDS, problemKind } from '../../components/FleetStatus';
import { useFormErrors } from '../../lib/useFormErrors';
import { useTranslation } from 'react-i18next';

type Kind = ChannelInput['kind'];
type Tls = NonNullable<ChannelInput['tls']>;

const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;
const CHANNEL_FIELDS = ['name', 'url', 'smtp_host', 'smtp_port', 'tls', 'username', 'from', 'to', 'secret'];

export function NewChannelForm({ onClose, onCreated }: { onClose: () => void; onCreated: (c: ChannelCreated) => void }) {
  const { t } = useTranslation(['notifications', 'common']);
  const [kind, setKind] = useState<Kind>('webhook');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [host, setHost] = useState('');
  const [tls, setTls] = useState<Tls>('starttls');
  const [port, setPort] = useState<number | string>('');
  const [username, setUsername] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState<string[]>([]);
  const [secret, setSecret] = useState('');
  const create = useCreateChannel();
  const webhook = kind === 'webhook';
  const form = useFormErrors(
    {
      name: name.trim() === '' ? t('form.nameChannel') : null,
      url: webhook && !/^https?:\/\/[^/\s@]+/.test(url.trim()) ? t('form.url') : null,
      secret: webhook && secret !== '' && secret.length < 16 ? t('form.secretShort') : null,
      smtp_host: !webhook && host.trim() === '' ? t('form.host') : null,
      from: !webhook && !EMAIL.test(from.trim()) ? t('form.address') : null,
      to: !webhook && (to.length === 0 || !to.every((a) => EMAIL.test(a))) ? t('form.addresses') : null,
    },
    create.error,
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check()) return;
    const body: ChannelInput = webhook
      ? { name: name.trim(), kind, url: url.trim(), ...(secret ? { secret } : {}) }
      : {
          name: name.trim(),
          kind,
          smtp_host: host.trim(),
          tls,
          ...(port === '' ? {} : { smtp_port: Number(port) }),
          ...(username.trim() ? { username: username.trim(), secret } : {}),
          from: from.trim(),
          to,
        };
    create.mutate(body, { onSuccess: onCreated });
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label={t('channels.new')}>
      <Stack gap="sm">
        <SegmentedControl
          aria-label={t('channels.kind')}
          value={kind}
          onChange={(v) => setKind(v as Kind)}
          data={[
            { value: 'webhook', label: t('form.webhook') },
            { value: 'email', label: t('form.email') },
          ]}
        />
        <TextInput label={t('common:noun.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} error={form.error('name')} autoComplete="off" />
        {webhook ? (
          <>
            <TextInput
              label={t('form.urlLabel')}
              required
              placeholder="https://alerts.example.org/hook" // i18n-ignore: an example URL
              value={url}
              onChange={(e) => setUrl(e.currentTarget.value)}
              error={form.error('url')}
            />
            <PasswordInput
              label={t('form.signingKey')}
              description={t('form.signingKeyHelp')}
              value={secret}
              onChange={(e) => setSecret(e.currentTarget.value)}
              error={form.error('secret')}
              autoComplete="new-password"
            />
          </>
        ) : (
          <>
            <TextInput label={t('form.smtpHost')} required value={host} onChange={(e) => setHost(e.currentTarget.value)} error={form.error('smtp_host')} />
            <Select
              label={t('form.security')}
              data={[
                { value: 'starttls', label: t('form.starttls') },
                { value: 'tls', label: t('form.tls') },
                { value: 'none', label: t('form.none') },
              ]}
              value={tls}
              onChange={(v) => setTls((v as Tls) ?? 'starttls')}
              allowDeselect={false}
              error={form.error('tls')}
            />
            <NumberInput label={t('form.port')} description={t('form.portHelp')} min={1} max={65535} allowDecimal={false} value={port} onChange={setPort} error={form.error('smtp_port')} />
            <TextInput label={t('form.username')} description={t('form.usernameHelp')} value={username} onChange={(e) => setUsername(e.currentTarget.value)} error={form.error('username')} autoComplete="off" />
            {username.trim() !== '' && (
              <PasswordInput label={t('form.password')} description={t('form.passwordHelp')} value={secret} onChange={(e) => setSecret(e.currentTarget.value)} error={form.error('secret')} autoComplete="new-password" />
            )}
            <TextInput label={t('form.from')} required value={from} onChange={(e) => setFrom(e.currentTarget.value)} error={form.error('from')} />
            <TagsInput label={t('deliveries.to')} required description={t('form.toHelp')} value={to} onChange={setTo} error={form.error('to')} />
          </>
        )}
        <FormError error={create.error} fields={CHANNEL_FIELDS} title={t('form.channelFailed')} />
        <FormActions submitLabel={t('form.createChannel')} pending={create.isPending} onCancel={onClose} />
      </Stack>
    </form>
  );
}

const kindOptions = () => PROBLEM_KINDS.map((value) => ({ value, label: problemKind(value) }));

export function NewRuleForm({ channels, onClose }: { channels: Channel[]; onClose: () => void }) {
  const { t } = useTranslation(['notifications', 'common']);
  const [name, setName] = useState('');
  const [kinds, setKinds] = useState<string[]>(['replication_failing', 'job_failed', 'server_unreachable', 'host_key_changed']);
  const [channelIds, setChannelIds] = useState<string[]>(channels.map((c) => c.id));
  const [minutes, setMinutes] = useState<number | string>(60);
  const [muted, setMuted] = useState(false);
  const create = useCreateRule();
  const m = Number(minutes);
  const form = useFormErrors(
    {
      name: name.trim() === '' ? t('form.nameRule') : null,
      kinds: kinds.length === 0 ? t('form.pickKind') : null,
      channel_ids: channelIds.length === 0 ? t('form.pickChannel') : null,
      repeat_seconds: !Number.isInteger(m) || m < 1 || m > 10080 ? t('form.minutes') : null,
    },
    create.error,
  );

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check()) return;
    create.mutate(
      { name: name.trim(), kinds: kinds as FleetProblem['kind'][], channel_ids: channelIds, repeat_seconds: m * 60, muted },
      { onSuccess: onClose },
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label={t('rules.newTitle')}>
      <Stack gap="sm">
        <TextInput label={t('common:noun.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} error={form.error('name')} autoComplete="off" />
        <MultiSelect label={t('rules.when')} description={t('form.whenHelp')} data={kindOptions()} value={kinds} onChange={setKinds} error={form.error('kinds')} />
        <MultiSelect
          label={t('rules.notify')}
          data={channels.map((c) => ({ value: c.id, label: c.name }))}
          value={channelIds}
          onChange={setChannelIds}
          error={form.error('channel_ids', 'channels')}
        />
        <NumberInput
          label={t('form.repeat')}
          description={t('form.repeatHelp')}
          min={1}
          max={10080}
          allowDecimal={false}
          value={minutes}
          onChange={setMinutes}
          error={form.error('repeat_seconds')}
        />
        <Checkbox label={t('form.muted')} checked={muted} onChange={(e) => setMuted(e.currentTarget.checked)} />
        <FormError error={create.error} fields={['name', 'kinds', 'channel_ids', 'channels', 'repeat_seconds']} title={t('form.ruleFailed')} />
        <FormActions submitLabel={t('form.createRule')} pending={create.isPending} onCancel={onClose} />
      </Stack>
    </form>
  );
}
