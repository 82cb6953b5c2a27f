// Creating a notification channel (a signed webhook or email over SMTP) and an alert rule
// (which problem kinds notify which channels, how often a firing alert repeats).
import { Checkbox, MultiSelect, NumberInput, PasswordInput, SegmentedControl, Select, Stack, TagsInput, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { FleetProblem } from '../../api/client';
import { type Channel, type ChannelCreated, type ChannelInput, useCreateChannel, useCreateRule } from '../../api/notifyQueries';
import { FormActions, FormError } from '../../components/FormActions';
import { PROBLEM_KINDS, problemKind } from '../../components/FleetStatus';
import { useFormErrors } from '../../lib/useFormErrors';

type Kind = ChannelInput['kind'];
type Tls = NonNullable<ChannelInput['tls']>;

const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;
const CHANNEL_FIELDS = ['name', 'url', 'smtp_host', 'smtp_port', 'tls', 'username', 'from', 'to', 'secret'];

export function NewChannelForm({ onClose, onCreated }: { onClose: () => void; onCreated: (c: ChannelCreated) => void }) {
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
      name: name.trim() === '' ? 'Name it, e.g. pager or ops-mail.' : null,
      url: webhook && !/^https?:\/\/[^/\s@]+/.test(url.trim()) ? 'An http:// or https:// URL.' : null,
      secret: webhook && secret !== '' && secret.length < 16 ? 'At least 16 characters (or empty: one is generated).' : null,
      smtp_host: !webhook && host.trim() === '' ? 'The SMTP relay host.' : null,
      from: !webhook && !EMAIL.test(from.trim()) ? 'An email address.' : null,
      to: !webhook && (to.length === 0 || !to.every((a) => EMAIL.test(a))) ? 'One or more email addresses.' : null,
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
    <form onSubmit={onSubmit} noValidate aria-label="New channel">
      <Stack gap="sm">
        <SegmentedControl
          aria-label="Kind"
          value={kind}
          onChange={(v) => setKind(v as Kind)}
          data={[
            { value: 'webhook', label: 'Webhook' },
            { value: 'email', label: 'Email' },
          ]}
        />
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={form.error('name')} autoComplete="off" />
        {webhook ? (
          <>
            <TextInput
              label="URL"
              required
              placeholder="https://alerts.example.org/hook"
              value={url}
              onChange={(e) => setUrl(e.currentTarget.value)}
              error={form.error('url')}
            />
            <PasswordInput
              label="Signing key"
              description="Each body is signed with HMAC-SHA256 under this key (header X-Dist-Btrfs-Signature-256). Empty: one is generated and shown once."
              value={secret}
              onChange={(e) => setSecret(e.currentTarget.value)}
              error={form.error('secret')}
              autoComplete="new-password"
            />
          </>
        ) : (
          <>
            <TextInput label="SMTP host" required value={host} onChange={(e) => setHost(e.currentTarget.value)} error={form.error('smtp_host')} />
            <Select
              label="Security"
              data={[
                { value: 'starttls', label: 'STARTTLS (port 587)' },
                { value: 'tls', label: 'TLS (port 465)' },
                { value: 'none', label: 'None (a relay on this machine only)' },
              ]}
              value={tls}
              onChange={(v) => setTls((v as Tls) ?? 'starttls')}
              allowDeselect={false}
              error={form.error('tls')}
            />
            <NumberInput label="Port" description="Empty: the security's usual port." min={1} max={65535} allowDecimal={false} value={port} onChange={setPort} error={form.error('smtp_port')} />
            <TextInput label="Username" description="Empty: no login." value={username} onChange={(e) => setUsername(e.currentTarget.value)} error={form.error('username')} autoComplete="off" />
            {username.trim() !== '' && (
              <PasswordInput label="Password" description="Kept in the encrypted vault; never shown again." value={secret} onChange={(e) => setSecret(e.currentTarget.value)} error={form.error('secret')} autoComplete="new-password" />
            )}
            <TextInput label="From" required value={from} onChange={(e) => setFrom(e.currentTarget.value)} error={form.error('from')} />
            <TagsInput label="To" required description="Press Enter after each address." value={to} onChange={setTo} error={form.error('to')} />
          </>
        )}
        <FormError error={create.error} fields={CHANNEL_FIELDS} title="Could not create the channel" />
        <FormActions submitLabel="Create channel" pending={create.isPending} onCancel={onClose} />
      </Stack>
    </form>
  );
}

const kindOptions = () => PROBLEM_KINDS.map((value) => ({ value, label: problemKind(value) }));

export function NewRuleForm({ channels, onClose }: { channels: Channel[]; onClose: () => void }) {
  const [name, setName] = useState('');
  const [kinds, setKinds] = useState<string[]>(['replication_failing', 'job_failed', 'server_unreachable', 'host_key_changed']);
  const [channelIds, setChannelIds] = useState<string[]>(channels.map((c) => c.id));
  const [minutes, setMinutes] = useState<number | string>(60);
  const [muted, setMuted] = useState(false);
  const create = useCreateRule();
  const m = Number(minutes);
  const form = useFormErrors(
    {
      name: name.trim() === '' ? 'Name it, e.g. pager.' : null,
      kinds: kinds.length === 0 ? 'Pick at least one problem kind.' : null,
      channel_ids: channelIds.length === 0 ? 'Pick at least one channel.' : null,
      repeat_seconds: !Number.isInteger(m) || m < 1 || m > 10080 ? 'Whole minutes, 1-10080.' : null,
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
    <form onSubmit={onSubmit} noValidate aria-label="New alert rule">
      <Stack gap="sm">
        <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} error={form.error('name')} autoComplete="off" />
        <MultiSelect label="When" description="Problems of the fleet status that notify." data={kindOptions()} value={kinds} onChange={setKinds} error={form.error('kinds')} />
        <MultiSelect
          label="Notify"
          data={channels.map((c) => ({ value: c.id, label: c.name }))}
          value={channelIds}
          onChange={setChannelIds}
          error={form.error('channel_ids', 'channels')}
        />
        <NumberInput
          label="Repeat a firing alert every (minutes)"
          description="Never more often; a resolve message is sent once when the problem clears."
          min={1}
          max={10080}
          allowDecimal={false}
          value={minutes}
          onChange={setMinutes}
          error={form.error('repeat_seconds')}
        />
        <Checkbox label="Muted (send nothing for now)" checked={muted} onChange={(e) => setMuted(e.currentTarget.checked)} />
        <FormError error={create.error} fields={['name', 'kinds', 'channel_ids', 'channels', 'repeat_seconds']} title="Could not create the rule" />
        <FormActions submitLabel="Create rule" pending={create.isPending} onCancel={onClose} />
      </Stack>
    </form>
  );
}
