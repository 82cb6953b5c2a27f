// Notifications (admins): channels (test, remove), alert rules (mute, remove), the alerts
// firing now and the latest deliveries with their attempts. The forms are in
// ./notifications/.
import { Alert, Badge, Button, Code, CopyButton, Group, Modal, Stack, Switch, Text, Title } from '@mantine/core';
import { type ReactNode, useState } from 'react';
import { useIsAdmin } from '../api/accountQueries';
import {
  type AlertRule,
  type Channel,
  type ChannelCreated,
  type Delivery,
  type FiringAlert,
  useAlertRules,
  useChannels,
  useDeleteChannel,
  useDeleteRule,
  useDeliveries,
  useFiringAlerts,
  useTestChannel,
  useUpdateRule,
} from '../api/notifyQueries';
import { useMe } from '../api/queries';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { problemKind } from '../components/FleetStatus';
import { MutationNotice } from '../components/MutationNotice';
import { PageHeader } from '../components/PageHeader';
import type { Column } from '../components/ResponsiveTable';
import { TableCard } from '../components/TableCard';
import { Time } from '../components/Time';
import { useConfirm } from '../lib/useConfirm';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { NewChannelForm, NewRuleForm } from './notifications/NotificationForms';

const STATE_COLOR: Record<Delivery['state'], string> = { queued: 'blue', delivered: 'teal', failed: 'red' };
const NOTICE_COLOR: Record<Delivery['notice'], string> = { firing: 'orange', resolved: 'teal', test: 'gray' };

function destination(c: Channel): string {
  return c.kind === 'webhook' ? ((c.url ?? '').split('?')[0] ?? '') : `${c.to.join(', ')} via ${c.smtp_host}:${c.smtp_port} (${c.tls})`;
}

/** A titled list of the page. */
function Part({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Stack gap="xs" component="section" aria-labelledby={id}>
      <Title order={3} size="h4" id={id}>
        {title}
      </Title>
      {children}
    </Stack>
  );
}

/** A generated signing key, shown this once. */
function KeyNotice({ created, onDismiss }: { created: ChannelCreated; onDismiss: () => void }) {
  if (!created.signing_key) return null;
  return (
    <Alert color="teal" variant="light" title={`Channel “${created.channel.name}” created`} withCloseButton closeButtonLabel="Dismiss" onClose={onDismiss} role="status">
      <Stack gap="xs">
        <Text size="sm">
          Its signing key is shown this once. Check each body with HMAC-SHA256 under this key against the X-Dist-Btrfs-Signature-256 header
          (“sha256=” and the hex digest).
        </Text>
        <Group gap="xs" wrap="nowrap">
          <Code data-testid="signing-key" style={{ overflowWrap: 'anywhere', flex: 1 }}>
            {created.signing_key}
          </Code>
          <CopyButton value={created.signing_key}>
            {({ copied, copy }) => (
              <Button size="xs" variant={copied ? 'filled' : 'default'} onClick={copy}>
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}

export function NotificationsPage() {
  useDocumentTitle('Notifications');
  const isAdmin = useIsAdmin();
  const me = useMe().data;
  const channels = useChannels(isAdmin);
  const rules = useAlertRules(isAdmin);
  const alerts = useFiringAlerts(isAdmin);
  const deliveries = useDeliveries(isAdmin);
  const [newChannel, setNewChannel] = useState(false);
  const [newRule, setNewRule] = useState(false);
  const [created, setCreated] = useState<ChannelCreated | null>(null);
  const test = useTestChannel();
  const update = useUpdateRule();
  const removeChannel = useDeleteChannel();
  const removeRule = useDeleteRule();
  const removingChannel = useConfirm<Channel>(removeChannel);
  const removingRule = useConfirm<AlertRule>(removeRule);

  if (!isAdmin) {
    return (
      <Stack gap="md">
        <Title order={2}>Notifications</Title>
        <Text size="sm" c="dimmed">
          Only admins configure notifications. You are signed in as {me?.username} ({me?.role}).
        </Text>
      </Stack>
    );
  }

  const channelName = (id: string) => channels.data?.find((c) => c.id === id)?.name ?? id.slice(0, 8);
  const ruleName = (id: string | null | undefined) => (id ? (rules.data?.find((r) => r.id === id)?.name ?? id.slice(0, 8)) : 'test');
  const usedBy = (c: Channel) => (rules.data ?? []).filter((r) => r.channel_ids.includes(c.id)).map((r) => r.name);

  const channelColumns: Column<Channel>[] = [
    { label: 'Channel', bare: false, render: (c) => <Text size="sm" fw={600}>{c.name}</Text> },
    { label: 'Kind', w: 120, render: (c) => <Badge variant="light">{c.kind}</Badge> },
    { label: 'Sends to', render: (c) => <Text size="sm" style={{ overflowWrap: 'anywhere' }}>{destination(c)}</Text> },
    {
      label: 'Actions',
      end: true,
      bare: true,
      w: 170,
      render: (c) => (
        <Group gap="xs" wrap="nowrap" justify="flex-end">
          <Button size="xs" variant="default" onClick={() => test.mutate(c.id)} loading={test.isPending && test.variables === c.id} aria-label={`Send a test to ${c.name}`}>
            Test
          </Button>
          <Button size="xs" variant="light" color="red" onClick={() => removingChannel.open(c)} aria-label={`Remove ${c.name}`}>
            Remove
          </Button>
        </Group>
      ),
    },
  ];

  const ruleColumns: Column<AlertRule>[] = [
    { label: 'Rule', bare: false, render: (r) => <Text size="sm" fw={600}>{r.name}</Text> },
    { label: 'When', render: (r) => <Text size="sm">{r.kinds.map((k) => problemKind(k)).join(', ')}</Text> },
    { label: 'Notify', render: (r) => <Text size="sm">{r.channel_ids.map(channelName).join(', ')}</Text> },
    { label: 'Repeat', w: 90, render: (r) => `${Math.round(r.repeat_seconds / 60)} min` },
    {
      label: 'Muted',
      w: 80,
      render: (r) => (
        <Switch
          aria-label={`Mute ${r.name}`}
          checked={r.muted}
          disabled={update.isPending}
          onChange={(e) =>
            update.mutate({
              id: r.id,
              body: { name: r.name, kinds: r.kinds, channel_ids: r.channel_ids, repeat_seconds: r.repeat_seconds, muted: e.currentTarget.checked },
            })
          }
        />
      ),
    },
    {
      label: 'Actions',
      end: true,
      bare: true,
      w: 100,
      render: (r) => (
        <Button size="xs" variant="light" color="red" onClick={() => removingRule.open(r)} aria-label={`Remove rule ${r.name}`}>
          Remove
        </Button>
      ),
    },
  ];

  const alertColumns: Column<FiringAlert>[] = [
    { label: 'Problem', bare: false, render: (a) => <Text size="sm">{a.summary}</Text> },
    { label: 'Kind', w: 170, render: (a) => problemKind(a.kind) },
    { label: 'Rule', w: 120, render: (a) => ruleName(a.rule_id) },
    { label: 'Since', w: 170, render: (a) => <Time at={a.first_fired_at} /> },
  ];

  const deliveryColumns: Column<Delivery>[] = [
    { label: 'Queued', w: 170, render: (d) => <Time at={d.queued_at} /> },
    { label: 'Notice', w: 100, render: (d) => <Badge color={NOTICE_COLOR[d.notice]} variant="light">{d.notice}{d.repeat ? ' (again)' : ''}</Badge> },
    { label: 'To', w: 120, render: (d) => channelName(d.channel_id) },
    { label: 'Message', bare: false, render: (d) => <Text size="sm">{d.summary}</Text> },
    {
      label: 'Outcome',
      w: 220,
      render: (d) => (
        <Stack gap={2}>
          <Group gap={6}>
            <Badge color={STATE_COLOR[d.state]} variant="light">
              {d.state}
            </Badge>
            <Text size="xs" c="dimmed">
              {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
            </Text>
          </Group>
          <Text size="xs" c={d.state === 'failed' ? 'red' : 'dimmed'} style={{ overflowWrap: 'anywhere' }}>
            {d.state === 'delivered' ? d.detail : d.last_error}
          </Text>
        </Stack>
      ),
    },
  ];

  return (
    <Stack gap="md">
      <PageHeader title="Notifications">
        <Group gap="xs">
          <Button variant="default" onClick={() => setNewRule(true)} disabled={!channels.data?.length}>
            New rule
          </Button>
          <Button
            onClick={() => {
              setCreated(null);
              setNewChannel(true);
            }}
          >
            New channel
          </Button>
        </Group>
      </PageHeader>
      {created && <KeyNotice created={created} onDismiss={() => setCreated(null)} />}
      <MutationNotice mutation={test} errorTitle="Could not send a test" success={() => 'Test message queued: see its delivery below.'} />
      <MutationNotice mutation={update} errorTitle="Could not change the rule" success={(r) => `Rule ${r.name} ${r.muted ? 'muted' : 'unmuted'}.`} />
      <Part id="channels" title="Channels">
        <TableCard
          query={channels}
          errorTitle="Could not load channels"
          columns={channelColumns}
          rowKey={(c) => c.id}
          caption="Notification channels"
          rowProps={(c) => ({ 'data-testid': 'channel-row', 'data-channel-name': c.name })}
          empty="No channels. Add a webhook or an email channel, then a rule that uses it."
        />
      </Part>
      <Part id="rules" title="Alert rules">
        <TableCard
          query={rules}
          errorTitle="Could not load rules"
          columns={ruleColumns}
          rowKey={(r) => r.id}
          caption="Alert rules"
          rowProps={(r) => ({ 'data-testid': 'rule-row', 'data-rule-name': r.name, 'data-muted': String(r.muted) })}
          empty="No rules: nothing is sent. A rule picks the problems that notify its channels."
        />
      </Part>
      <Part id="alerts" title="Firing now">
        <TableCard
          query={alerts}
          errorTitle="Could not load alerts"
          columns={alertColumns}
          rowKey={(a) => `${a.rule_id}/${a.key}`}
          caption="Firing alerts"
          rowProps={() => ({ 'data-testid': 'alert-row' })}
          empty="No alert is firing."
        />
      </Part>
      <Part id="deliveries" title="Latest deliveries">
        <TableCard
          query={deliveries}
          errorTitle="Could not load deliveries"
          columns={deliveryColumns}
          rowKey={(d) => d.id}
          caption="Deliveries"
          rowProps={(d) => ({ 'data-testid': 'delivery-row', 'data-state': d.state, 'data-notice': d.notice })}
          empty="Nothing sent yet."
        />
      </Part>
      <Modal opened={newChannel} onClose={() => setNewChannel(false)} title="New channel" centered>
        {newChannel && (
          <NewChannelForm
            onClose={() => setNewChannel(false)}
            onCreated={(c) => {
              setNewChannel(false);
              setCreated(c);
            }}
          />
        )}
      </Modal>
      <Modal opened={newRule} onClose={() => setNewRule(false)} title="New alert rule" centered>
        {newRule && <NewRuleForm channels={channels.data ?? []} onClose={() => setNewRule(false)} />}
      </Modal>
      <ConfirmDialog
        {...removingChannel.dialog}
        title={`Remove channel ${removingChannel.subject?.name ?? ''}?`}
        confirmLabel="Remove channel"
        danger
        errorTitle="Could not remove the channel"
        onConfirm={() => removingChannel.subject && removeChannel.mutate(removingChannel.subject.id, { onSuccess: removingChannel.close })}
      >
        <Text size="sm">
          This deletes the channel and its stored secret. Its past deliveries stay in the history.
          {removingChannel.subject && usedBy(removingChannel.subject).length > 0
            ? ` It is used by ${usedBy(removingChannel.subject).join(', ')}: change or remove those rules first.`
            : ''}
        </Text>
      </ConfirmDialog>
      <ConfirmDialog
        {...removingRule.dialog}
        title={`Remove rule ${removingRule.subject?.name ?? ''}?`}
        confirmLabel="Remove rule"
        danger
        errorTitle="Could not remove the rule"
        onConfirm={() => removingRule.subject && removeRule.mutate(removingRule.subject.id, { onSuccess: removingRule.close })}
      >
        <Text size="sm">This deletes the rule; its firing alerts end without a resolve message.</Text>
      </ConfirmDialog>
    </Stack>
  );
}
