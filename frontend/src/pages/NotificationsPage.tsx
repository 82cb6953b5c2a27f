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
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';

type T = TFunction<['notifications', 'layout', 'common']>;

const STATE_COLOR: Record<Delivery['state'], string> = { queued: 'blue', delivered: 'teal', failed: 'red' };
const NOTICE_COLOR: Record<Delivery['notice'], string> = { firing: 'orange', resolved: 'teal', test: 'gray' };

/** Where a channel sends: the webhook's URL (without its query), or the addresses and relay. */
function destination(c: Channel, t: T): string {
  if (c.kind === 'webhook') return (c.url ?? '').split('?')[0] ?? '';
  return t('via', {
    to: c.to.join(', '),
    relay: `${c.smtp_host}:${c.smtp_port}`, // i18n-ignore: host:port
    tls: c.tls ? t(`channels.tls.${c.tls}`) : '',
  });
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
  const { t } = useTranslation(['notifications', 'common']);
  if (!created.signing_key) return null;
  return (
    <Alert
      color="teal"
      variant="light"
      title={t('key.created', { name: created.channel.name })}
      withCloseButton
      closeButtonLabel={t('key.dismiss')}
      onClose={onDismiss}
      role="status"
    >
      <Stack gap="xs">
        <Text size="sm">
          {t('key.explain')}
        </Text>
        <Group gap="xs" wrap="nowrap">
          <Code data-testid="signing-key" style={{ overflowWrap: 'anywhere', flex: 1 }}>
            {created.signing_key}
          </Code>
          <CopyButton value={created.signing_key}>
            {({ copied, copy }) => (
              <Button size="xs" variant={copied ? 'filled' : 'default'} onClick={copy}>
                {copied ? t('common:actions.copied') : t('common:actions.copy')}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}

export function NotificationsPage() {
  const { t } = useTranslation(['notifications', 'layout', 'common']);
  useDocumentTitle(t('title'));
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
        <Title order={2}>{t('title')}</Title>
        <Text size="sm" c="dimmed">
          {t('adminsOnly', { username: me?.username ?? '', role: me?.role ? t(`layout:account.role.${me.role}`) : '' })}
        </Text>
      </Stack>
    );
  }

  const channelName = (id: string) => channels.data?.find((c) => c.id === id)?.name ?? id.slice(0, 8);
  const ruleName = (id: string | null | undefined) => (id ? (rules.data?.find((r) => r.id === id)?.name ?? id.slice(0, 8)) : t('notice.test'));
  const usedBy = (c: Channel) => (rules.data ?? []).filter((r) => r.channel_ids.includes(c.id)).map((r) => r.name);

  const channelColumns: Column<Channel>[] = [
    { label: t('channels.channel'), bare: false, render: (c) => <Text size="sm" fw={600}>{c.name}</Text> },
    { label: t('channels.kind'), w: 120, render: (c) => <Badge variant="light">{t(`channels.kinds.${c.kind}`)}</Badge> },
    { label: t('channels.sendsTo'), render: (c) => <Text size="sm" style={{ overflowWrap: 'anywhere' }}>{destination(c, t)}</Text> },
    {
      label: t('common:noun.actions'),
      end: true,
      bare: true,
      w: 170,
      render: (c) => (
        <Group gap="xs" wrap="nowrap" justify="flex-end">
          <Button size="xs" variant="default" onClick={() => test.mutate(c.id)} loading={test.isPending && test.variables === c.id} aria-label={t('channels.testLabel', { name: c.name })}>
            {t('channels.test')}
          </Button>
          <Button size="xs" variant="light" color="red" onClick={() => removingChannel.open(c)} aria-label={t('channels.removeLabel', { name: c.name })}>
            {t('common:actions.remove')}
          </Button>
        </Group>
      ),
    },
  ];

  const ruleColumns: Column<AlertRule>[] = [
    { label: t('rules.rule'), bare: false, render: (r) => <Text size="sm" fw={600}>{r.name}</Text> },
    { label: t('rules.when'), render: (r) => <Text size="sm">{r.kinds.map((k) => problemKind(k)).join(', ')}</Text> },
    { label: t('rules.notify'), render: (r) => <Text size="sm">{r.channel_ids.map(channelName).join(', ')}</Text> },
    { label: t('rules.repeat'), w: 90, render: (r) => t('rules.minutes', { m: Math.round(r.repeat_seconds / 60) }) },
    {
      label: t('rules.muted'),
      w: 80,
      render: (r) => (
        <Switch
          aria-label={t('rules.muteLabel', { name: r.name })}
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
      label: t('common:noun.actions'),
      end: true,
      bare: true,
      w: 100,
      render: (r) => (
        <Button size="xs" variant="light" color="red" onClick={() => removingRule.open(r)} aria-label={t('rules.removeLabel', { name: r.name })}>
          {t('common:actions.remove')}
        </Button>
      ),
    },
  ];

  const alertColumns: Column<FiringAlert>[] = [
    { label: t('alerts.problem'), bare: false, render: (a) => <Text size="sm">{a.summary}</Text> },
    { label: t('channels.kind'), w: 170, render: (a) => problemKind(a.kind) },
    { label: t('rules.rule'), w: 120, render: (a) => ruleName(a.rule_id) },
    { label: t('alerts.since'), w: 170, render: (a) => <Time at={a.first_fired_at} /> },
  ];

  const deliveryColumns: Column<Delivery>[] = [
    { label: t('deliveries.queued'), w: 170, render: (d) => <Time at={d.queued_at} /> },
    {
      label: t('deliveries.notice'),
      w: 100,
      render: (d) => (
        <Badge color={NOTICE_COLOR[d.notice]} variant="light">
          {d.repeat ? t('deliveries.again', { notice: t(`notice.${d.notice}`) }) : t(`notice.${d.notice}`)}
        </Badge>
      ),
    },
    { label: t('deliveries.to'), w: 120, render: (d) => channelName(d.channel_id) },
    { label: t('deliveries.message'), bare: false, render: (d) => <Text size="sm">{d.summary}</Text> },
    {
      label: t('deliveries.outcome'),
      w: 220,
      render: (d) => (
        <Stack gap={2}>
          <Group gap={6}>
            <Badge color={STATE_COLOR[d.state]} variant="light">
              {t(`deliveries.state.${d.state}`)}
            </Badge>
            <Text size="xs" c="dimmed">
              {t('deliveries.attempts', { count: d.attempts })}
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
      <PageHeader title={t('title')}>
        <Group gap="xs">
          <Button variant="default" onClick={() => setNewRule(true)} disabled={!channels.data?.length}>
            {t('rules.new')}
          </Button>
          <Button
            onClick={() => {
              setCreated(null);
              setNewChannel(true);
            }}
          >
            {t('channels.new')}
          </Button>
        </Group>
      </PageHeader>
      {created && <KeyNotice created={created} onDismiss={() => setCreated(null)} />}
      <MutationNotice mutation={test} errorTitle={t('channels.testFailed')} success={() => t('channels.testQueued')} />
      <MutationNotice
        mutation={update}
        errorTitle={t('rules.changeFailed')}
        success={(r) => (r.muted ? t('rules.mutedDone', { name: r.name }) : t('rules.unmutedDone', { name: r.name }))}
      />
      <Part id="channels" title={t('channels.title')}>
        <TableCard
          query={channels}
          errorTitle={t('channels.failed')}
          columns={channelColumns}
          rowKey={(c) => c.id}
          caption={t('channels.caption')}
          rowProps={(c) => ({ 'data-testid': 'channel-row', 'data-channel-name': c.name })}
          empty={t('channels.empty')}
        />
      </Part>
      <Part id="rules" title={t('rules.title')}>
        <TableCard
          query={rules}
          errorTitle={t('rules.failed')}
          columns={ruleColumns}
          rowKey={(r) => r.id}
          caption={t('rules.title')}
          rowProps={(r) => ({ 'data-testid': 'rule-row', 'data-rule-name': r.name, 'data-muted': String(r.muted) })}
          empty={t('rules.empty')}
        />
      </Part>
      <Part id="alerts" title={t('alerts.title')}>
        <TableCard
          query={alerts}
          errorTitle={t('alerts.failed')}
          columns={alertColumns}
          rowKey={(a) => `${a.rule_id}/${a.key}`}
          caption={t('alerts.caption')}
          rowProps={() => ({ 'data-testid': 'alert-row' })}
          empty={t('alerts.empty')}
        />
      </Part>
      <Part id="deliveries" title={t('deliveries.title')}>
        <TableCard
          query={deliveries}
          errorTitle={t('deliveries.failed')}
          columns={deliveryColumns}
          rowKey={(d) => d.id}
          caption={t('deliveries.caption')}
          rowProps={(d) => ({ 'data-testid': 'delivery-row', 'data-state': d.state, 'data-notice': d.notice })}
          empty={t('deliveries.empty')}
        />
      </Part>
      <Modal opened={newChannel} onClose={() => setNewChannel(false)} title={t('channels.new')} centered>
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
      <Modal opened={newRule} onClose={() => setNewRule(false)} title={t('rules.newTitle')} centered>
        {newRule && <NewRuleForm channels={channels.data ?? []} onClose={() => setNewRule(false)} />}
      </Modal>
      <ConfirmDialog
        {...removingChannel.dialog}
        title={t('channels.removeTitle', { name: removingChannel.subject?.name ?? '' })}
        confirmLabel={t('channels.removeConfirm')}
        danger
        errorTitle={t('channels.removeFailed')}
        onConfirm={() => removingChannel.subject && removeChannel.mutate(removingChannel.subject.id, { onSuccess: removingChannel.close })}
      >
        <Text size="sm">
          {removingChannel.subject && usedBy(removingChannel.subject).length > 0
            ? t('channels.removeTextUsedBy', { rules: usedBy(removingChannel.subject).join(', ') })
            : t('channels.removeText')}
        </Text>
      </ConfirmDialog>
      <ConfirmDialog
        {...removingRule.dialog}
        title={t('rules.removeTitle', { name: removingRule.subject?.name ?? '' })}
        confirmLabel={t('rules.removeConfirm')}
        danger
        errorTitle={t('rules.removeFailed')}
        onConfirm={() => removingRule.subject && removeRule.mutate(removingRule.subject.id, { onSuccess: removingRule.close })}
      >
        <Text size="sm">{t('rules.removeText')}</Text>
      </ConfirmDialog>
    </Stack>
  );
}
