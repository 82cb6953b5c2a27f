import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AlertRule, Channel, Delivery } from '../api/notifyQueries';
import { defaultRoutes, json, renderApp } from '../test/fakeApi';

const hook: Channel = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'pager',
  kind: 'webhook',
  url: 'https://alerts.example.org/hook?token=s3cret',
  to: [],
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};
const rule: AlertRule = {
  id: '22222222-2222-4222-8222-222222222222',
  name: 'failures',
  kinds: ['replication_failing', 'job_failed'],
  channel_ids: [hook.id],
  repeat_seconds: 3600,
  muted: false,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};
const failed: Delivery = {
  id: '33333333-3333-4333-8333-333333333333',
  channel_id: hook.id,
  rule_id: rule.id,
  notice: 'firing',
  repeat: false,
  kind: 'job_failed',
  severity: 'warning',
  summary: 'snapshot job failed: the primary is unreachable',
  state: 'failed',
  attempts: 5,
  last_error: 'https://alerts.example.org/hook answered HTTP 503',
  queued_at: '2026-01-02T00:00:00Z',
};

function routes(extra = {}) {
  return {
    ...defaultRoutes(),
    'GET /notifications/channels': () => json(200, [hook]),
    'GET /notifications/rules': () => json(200, [rule]),
    'GET /notifications/alerts': () => json(200, []),
    'GET /notifications/deliveries': () => json(200, { deliveries: [failed] }),
    ...extra,
  };
}

describe('Notifications', () => {
  it('lists channels, rules and deliveries without secrets, mutes a rule and tests a channel', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      routes({
        [`PUT /notifications/rules/${rule.id}`]: () => json(200, { ...rule, muted: true }),
        [`POST /notifications/channels/${hook.id}/test`]: () => json(202, { ...failed, notice: 'test', state: 'queued', attempts: 0 }),
      }),
      '/notifications',
    );
    const row = await screen.findByTestId('channel-row');
    expect(row).toHaveTextContent('https://alerts.example.org/hook');
    expect(row).not.toHaveTextContent('s3cret');
    const ruleRow = screen.getByTestId('rule-row');
    expect(ruleRow).toHaveTextContent('Replication failing, Job failed');
    expect(ruleRow).toHaveTextContent('pager');
    expect(ruleRow).toHaveTextContent('60 min');
    const delivery = screen.getByTestId('delivery-row');
    expect(delivery).toHaveAttribute('data-state', 'failed');
    expect(delivery).toHaveTextContent('5 attempts');
    expect(delivery).toHaveTextContent('answered HTTP 503');
    expect(screen.getByText('No alert is firing.')).toBeInTheDocument();

    await user.click(screen.getByRole('switch', { name: 'Mute failures' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PUT')).toBe(true));
    expect(requests.find((r) => r.method === 'PUT')!.body).toEqual({
      name: 'failures',
      kinds: ['replication_failing', 'job_failed'],
      channel_ids: [hook.id],
      repeat_seconds: 3600,
      muted: true,
    });

    await user.click(screen.getByRole('button', { name: 'Send a test to pager' }));
    expect(await screen.findByText('Test message queued: see its delivery below.')).toBeInTheDocument();

    // Removing a channel says what it deletes and which rules still use it.
    await user.click(screen.getByRole('button', { name: 'Remove pager' }));
    const asked = await screen.findByRole('dialog', { name: 'Remove channel pager?' });
    expect(asked).toHaveTextContent('deletes the channel and its stored secret');
    expect(asked).toHaveTextContent('It is used by failures');
  });

  it('creates a webhook: checks the URL first, then shows the generated key once', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      routes({
        'POST /notifications/channels': () =>
          json(201, { channel: { ...hook, id: '44444444-4444-4444-8444-444444444444', name: 'ops-hook', url: 'https://h.example/x' }, signing_key: 'ab'.repeat(32) }),
      }),
      '/notifications',
    );
    await screen.findByTestId('channel-row');
    await user.click(screen.getByRole('button', { name: 'New channel' }));
    const form = await screen.findByRole('form', { name: 'New channel' });
    await user.type(within(form).getByLabelText(/Name/), 'ops-hook');
    await user.type(within(form).getByLabelText(/URL/), 'ftp://nope');
    await user.click(within(form).getByRole('button', { name: 'Create channel' }));
    expect(await within(form).findByText('An http:// or https:// URL.')).toBeInTheDocument();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
    await user.clear(within(form).getByLabelText(/URL/));
    await user.type(within(form).getByLabelText(/URL/), 'https://h.example/x');
    await user.click(within(form).getByRole('button', { name: 'Create channel' }));
    expect(await screen.findByTestId('signing-key')).toHaveTextContent('ab'.repeat(32));
    expect(requests.find((r) => r.method === 'POST')!.body).toEqual({ name: 'ops-hook', kind: 'webhook', url: 'https://h.example/x' });
  });
});
