import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Policy, RetentionPreview } from '../api/policyQueries';
import { userTimeZone } from '../lib/format';
import { defaultRoutes, json, page, problem, renderApp } from '../test/fakeApi';
import { SUBVOLUME_ID, remote, subvolume, viewer } from '../test/fleet';
import { target } from '../test/restore';

const policy: Policy = {
  id: '66666666-6666-4666-8666-666666666666',
  name: 'hourly-home',
  schedule: { cron: '0 * * * *', time_zone: 'Europe/Berlin' },
  retention: { keep_last: 3, hourly: 24, daily: 7, weekly: 4, monthly: 0, yearly: 0 },
  replicate_after_snapshot: false,
  subvolumes: [SUBVOLUME_ID],
  next_snapshot_at: '2026-01-05T01:00:00Z',
  created_at: '2026-01-05T00:00:00Z',
  updated_at: '2026-01-05T00:00:00Z',
};

const preview: RetentionPreview = {
  subvolume_id: SUBVOLUME_ID,
  at: '2026-01-10T00:00:00Z',
  keep: 2,
  delete: 1,
  snapshots: [
    { snapshot_id: 'a1', name: 'home.20260101T000000Z', path: '/p/a1', created_at: '2026-01-01T00:00:00Z', managed: true, sending: false, action: 'delete', reasons: [] },
    { snapshot_id: 'a2', name: 'home.20260108T000000Z', path: '/p/a2', created_at: '2026-01-08T00:00:00Z', managed: true, sending: false, action: 'keep', reasons: ['daily 2026-01-08'] },
    { snapshot_id: 'a3', name: 'home.20260109T000000Z', path: '/p/a3', created_at: '2026-01-09T00:00:00Z', managed: true, sending: false, action: 'keep', reasons: ['newest snapshot', 'keep_last 3'] },
  ],
};

function routes(extra = {}) {
  return {
    ...defaultRoutes(),
    'GET /policies': () => json(200, page([policy])),
    [`GET /policies/${policy.id}`]: () => json(200, policy),
    'GET /subvolumes': () => json(200, page([subvolume])),
    'POST /policies/preview': () => json(200, preview),
    ...extra,
  };
}

describe('Policies', () => {
  it('lists policies with schedule, retention and how many subvolumes follow them', async () => {
    renderApp(routes(), '/policies');
    const row = await screen.findByTestId('policy-row');
    expect(row).toHaveTextContent('hourly-home');
    expect(row).toHaveTextContent('0 * * * * (Europe/Berlin)');
    expect(row).toHaveTextContent('keep_last 3, hourly 24, daily 7, weekly 4; on targets: never pruned');
    const next = within(row).getByTestId('next-snapshot');
    expect(next).toHaveAttribute('title', '2026-01-05T01:00:00Z');
    expect(next).toHaveTextContent(`(${userTimeZone()}), then prune`);
    expect(within(row).getByRole('link', { name: 'hourly-home' })).toHaveAttribute('href', `/policies/${policy.id}`);
    expect(screen.getByRole('button', { name: 'New policy' })).toBeInTheDocument();
  });

  it('validates the form, then shows the server problem next to its field', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      routes({ 'POST /policies': () => problem(400, 'Bad Request', 'retention.daily: 5000 is more than the maximum 3660') }),
      '/policies/new',
    );
    const form = await screen.findByRole('form', { name: 'Policy' });
    await user.click(within(form).getByRole('button', { name: 'Create policy' }));
    expect(await within(form).findByText('Enter a name.')).toBeInTheDocument();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);

    await user.type(within(form).getByRole('textbox', { name: /^Name/ }), 'daily-home');
    const daily = within(form).getByRole('textbox', { name: /^Daily/ });
    await user.clear(daily);
    await user.type(daily, '5000');
    await user.click(within(form).getByRole('button', { name: 'Create policy' }));
    await waitFor(() => expect(daily).toHaveAccessibleDescription(/retention.daily: 5000 is more than the maximum/));
    const post = requests.find((r) => r.method === 'POST' && r.url.pathname === '/api/v1/policies')!;
    expect(post.body).toMatchObject({ name: 'daily-home', schedule: { cron: '0 * * * *' }, retention: { daily: 5000, keep_last: 3 } });
  });

  it('says what is wrong with a cron expression, and the error clears when it is fixed', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      routes({
        'POST /policies': () => problem(400, 'Bad Request', 'cron: the expression "0 0 31 2 *" never matches a time', 'schedule.cron'),
      }),
      '/policies/new',
    );
    const form = await screen.findByRole('form', { name: 'Policy' });
    await user.type(within(form).getByRole('textbox', { name: /^Name/ }), 'p1');
    const cron = within(form).getByRole('textbox', { name: /^Schedule/ });
    await user.clear(cron);
    await user.type(cron, '0 25 * * *');
    await user.click(within(form).getByRole('button', { name: 'Create policy' }));
    expect(cron).toHaveAccessibleDescription(/The hour field must be 0-23: got 25\./);
    expect(requests.some((r) => r.method === 'POST' && r.url.pathname === '/api/v1/policies')).toBe(false);
    // Fixed locally: the error goes; the server refuses what it alone can tell, named next to the field.
    await user.clear(cron);
    await user.type(cron, '0 0 31 2 *');
    expect(cron).not.toHaveAccessibleDescription(/hour field/);
    await user.click(within(form).getByRole('button', { name: 'Create policy' }));
    await waitFor(() => expect(cron).toHaveAccessibleDescription(/never matches a time/));
    // Editing the field clears the server's answer about the old text.
    await user.type(cron, '{Backspace}');
    await waitFor(() => expect(cron).not.toHaveAccessibleDescription(/never matches a time/));
  });

  it('previews the draft as a timeline of kept and deleted snapshots with their reasons', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(routes(), `/policies/${policy.id}`);
    expect(await screen.findByRole('heading', { name: 'hourly-home' })).toBeInTheDocument();
    expect(await screen.findByTestId('assigned-subvolume')).toHaveTextContent('home');
    await user.click(screen.getByRole('button', { name: 'Preview' }));

    const timeline = await screen.findByRole('group', { name: 'Retention timeline: 2 kept, 1 deleted' });
    const marks = within(timeline).getAllByTestId('timeline-mark');
    expect(marks.map((m) => m.dataset.action)).toEqual(['delete', 'keep', 'keep']);
    expect(marks[2]).toHaveAccessibleName(/home.20260109T000000Z.*kept: newest snapshot, keep_last 3/);
    // focus shows the reasons in words (also for keyboard users)
    marks[1]!.focus();
    expect(await screen.findByTestId('timeline-detail')).toHaveTextContent('kept: daily 2026-01-08');
    // and the accessible list says the same
    const list = screen.getByRole('table', { name: 'Snapshots and their verdicts' });
    expect(within(list).getAllByTestId('preview-row').map((r) => r.dataset.action)).toEqual(['keep', 'keep', 'delete']);

    const sent = requests.find((r) => r.url.pathname.endsWith('/policies/preview'))!;
    expect(sent.body).toMatchObject({ subvolume_id: SUBVOLUME_ID, draft: { name: 'hourly-home', retention: { hourly: 24 } } });
  });

  it('sets retention on the targets, previews it on a target and clears it when switched off', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      routes({
        'GET /targets': () => json(200, page([target])),
        'GET /servers': () => json(200, page([remote])),
        [`PATCH /policies/${policy.id}`]: () => json(200, policy),
      }),
      `/policies/${policy.id}`,
    );
    const form = await screen.findByRole('form', { name: 'Policy' });
    expect(within(form).queryByRole('group', { name: 'Retention on the targets' })).not.toBeInTheDocument();
    await user.click(within(form).getByRole('switch', { name: /Prune replicas on the targets/ }));
    const onTargets = within(form).getByRole('group', { name: 'Retention on the targets' });
    const daily = within(onTargets).getByRole('textbox', { name: /^Daily/ });
    expect(daily).toHaveValue('14');
    await user.clear(daily);
    await user.type(daily, '30');

    // Preview on the target: the draft's target retention over its replicas.
    await user.click(await screen.findByRole('textbox', { name: 'Where' }));
    await user.click(await screen.findByRole('option', { name: `Target ${remote.name}:${target.directory}` }));
    await user.click(screen.getByRole('button', { name: 'Preview' }));
    await waitFor(() => expect(requests.some((r) => r.url.pathname.endsWith('/policies/preview'))).toBe(true));
    const sent = requests.find((r) => r.url.pathname.endsWith('/policies/preview'))!;
    expect(sent.body).toMatchObject({ subvolume_id: SUBVOLUME_ID, target_id: target.id, draft: { target_retention: { daily: 30, keep_last: 3 } } });

    await user.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(1));
    expect(requests.find((r) => r.method === 'PATCH')!.body).toMatchObject({ target_retention: { daily: 30, monthly: 12 } });
    // Switched off: saving clears it (null), and replicas are never pruned.
    await user.click(within(form).getByRole('switch', { name: /Prune replicas on the targets/ }));
    await user.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(2));
    expect(requests.filter((r) => r.method === 'PATCH')[1]!.body).toMatchObject({ target_retention: null });
  });

  it('shows viewers the policy read-only, without create, save, delete or assign', async () => {
    renderApp(routes({ 'GET /auth/me': () => json(200, viewer) }), `/policies/${policy.id}`);
    expect(await screen.findByRole('heading', { name: 'hourly-home' })).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: /^Name/ })).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Save' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete…' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Unassign/ })).not.toBeInTheDocument();
    // the preview is a read: viewers may run it
    expect(screen.getByRole('button', { name: 'Preview' })).toBeInTheDocument();
  });
});
