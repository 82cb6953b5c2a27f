import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Replication, Target, TargetHealth } from '../api/replicationQueries';
import { defaultRoutes, json, page, problem, renderApp } from '../test/fakeApi';
import { SUBVOLUME_ID, primary, remote, snapshot, subvolume, viewer } from '../test/fleet';

const target: Target = {
  id: '66666666-6666-4666-8666-666666666666',
  subvolume_id: SUBVOLUME_ID,
  server_id: remote.id,
  directory: '/srv/backups/home',
  strict_incremental: false,
  missing: 'newest_only',
  compression: 'none',
  rate_limit_bytes_per_sec: 1048576,
  created_at: '2026-01-05T00:00:00Z',
  updated_at: '2026-01-05T00:00:00Z',
};
const target2: Target = { ...target, id: '77777777-7777-4777-8777-777777777777', directory: '/srv/backups/other' };

function health(state: TargetHealth['state'], extra: Partial<TargetHealth> = {}): TargetHealth {
  return {
    subvolume_id: SUBVOLUME_ID,
    subvolume_name: 'home',
    target_id: target.id,
    server_id: remote.id,
    server_name: 'backup-1',
    directory: target.directory,
    state,
    rpo_seconds: 86400,
    rpo_source: 'default',
    bytes_total: 0,
    failures_total: 0,
    in_flight: false,
    ...extra,
  };
}

const okHealth = health('ok', {
  newest_primary_snapshot: { id: snapshot(2).id, name: snapshot(2).name, created_at: '2026-01-02T00:00:00Z' },
  newest_replica_snapshot: { id: snapshot(1).id, name: snapshot(1).name, created_at: '2026-01-01T00:00:00Z' },
  lag_seconds: 86400,
  replica_age_seconds: 3600,
  last_success_at: '2026-01-02T01:00:00Z',
  last_transfer_bytes: 5 * 1048576,
  last_transfer_throughput_bytes_per_sec: 1048576,
  last_transfer_kind: 'incremental',
  bytes_total: 9 * 1048576,
});
const failingHealth = health('failing', {
  target_id: target2.id,
  directory: target2.directory,
  last_failure_at: '2026-01-02T02:00:00Z',
  last_error: 'ssh: connection refused',
  last_error_class: 'transient',
  failures_total: 3,
});

const running: Replication = {
  id: '88888888-8888-4888-8888-888888888888',
  subvolume_id: SUBVOLUME_ID,
  snapshot_id: snapshot(2).id,
  state: 'running',
  requested_by: 'user:admin',
  requested_at: '2026-01-02T03:00:00Z',
  started_at: '2026-01-02T03:00:01Z',
  targets: [
    {
      target_id: target.id,
      state: 'running',
      kind: 'incremental',
      bytes: 2 * 1048576,
      bytes_total: 0,
      snapshots_sent: 0,
      expected_bytes: 4 * 1048576,
      rate_bytes_per_sec: 1048576,
      eta_seconds: 2,
      updated_at: '2026-01-02T03:00:03Z',
    },
  ],
};
const done: Replication = {
  ...running,
  id: '99999999-9999-4999-8999-999999999999',
  state: 'partially_failed',
  requested_at: '2026-01-01T03:00:00Z',
  finished_at: '2026-01-01T03:01:00Z',
  targets: [
    {
      target_id: target.id,
      state: 'succeeded',
      kind: 'full',
      bytes: 7 * 1048576,
      bytes_total: 7 * 1048576,
      snapshots_sent: 1,
      rate_bytes_per_sec: 2 * 1048576,
      duration_ms: 3500,
      updated_at: '2026-01-01T03:01:00Z',
    },
    {
      target_id: target2.id,
      state: 'failed',
      bytes: 0,
      bytes_total: 0,
      snapshots_sent: 0,
      error: 'ssh: connection refused',
      error_class: 'transient',
      updated_at: '2026-01-01T03:01:00Z',
    },
  ],
};

function routes(extra = {}) {
  return {
    ...defaultRoutes(),
    'GET /servers': () => json(200, page([primary, remote])),
    'GET /subvolumes': () => json(200, page([subvolume])),
    'GET /targets': () => json(200, page([target, target2])),
    'GET /replications': () => json(200, { items: [running, done], next_after: null }),
    'GET /replication/health': () =>
      json(200, {
        as_of: '2026-01-02T03:00:00Z',
        summary: { total: 2, ok: 1, late: 0, failing: 1, never_replicated: 0 },
        items: [okHealth, failingHealth],
      }),
    ...extra,
  };
}

describe('Replication', () => {
  it('shows health per (subvolume, target) with badges, lag and the last transfer and failure', async () => {
    renderApp(routes(), '/replication');
    expect(await screen.findByRole('heading', { name: 'Replication' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId('health-row')).toHaveLength(2));
    const [ok, failing] = screen.getAllByTestId('health-row');
    expect(within(ok!).getByTestId('health-badge')).toHaveTextContent('OK');
    expect(ok).toHaveTextContent('lag 24 h · age 1 h · RPO 24 h (default)');
    expect(ok).toHaveTextContent('incremental · 5.00 MiB · 1.00 MiB/s');
    expect(ok).toHaveTextContent(snapshot(1).name);
    expect(within(failing!).getByTestId('health-badge')).toHaveTextContent('FAILING');
    expect(failing).toHaveTextContent('transient: ssh: connection refused');
    const summary = screen.getAllByTestId('health-summary')[0]!;
    expect(within(summary).getByTestId('summary-ok')).toHaveTextContent('1 OK');
    expect(within(summary).getByTestId('summary-failing')).toHaveTextContent('1 FAILING');
  });

  it('shows live progress of running replications: bytes, rate and ETA per target', async () => {
    renderApp(routes(), '/replication');
    const run = await screen.findByTestId('running-replication');
    expect(run).toHaveTextContent('home');
    const row = within(run).getByTestId('progress-row');
    expect(row).toHaveTextContent('backup-1:/srv/backups/home');
    expect(within(row).getByTestId('progress-figures')).toHaveTextContent(
      'running · incremental · 2.00 MiB of ~4.00 MiB · 1.00 MiB/s · ETA 2 s',
    );
  });

  it('lists the history per target: state, kind, bytes, duration, throughput, error', async () => {
    renderApp(routes(), '/replication');
    await waitFor(() => expect(screen.getAllByTestId('history-row')).toHaveLength(3));
    const rows = screen.getAllByTestId('history-row').filter((r) => r.getAttribute('data-replication') === done.id);
    expect(rows[0]).toHaveTextContent('succeeded');
    expect(rows[0]).toHaveTextContent('full');
    expect(rows[0]).toHaveTextContent('7.00 MiB');
    expect(rows[0]).toHaveTextContent('4 s');
    expect(rows[0]).toHaveTextContent('2.00 MiB/s');
    expect(rows[1]).toHaveTextContent('failed');
    expect(rows[1]).toHaveTextContent('ssh: connection refused');
  });

  it('retries a run for its failed targets, all of them or those kept ticked', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(routes({ 'POST /replications': () => json(202, { ...done, id: 'r-new', state: 'queued' }) }), '/replication');
    await waitFor(() => expect(screen.getAllByTestId('history-row')).toHaveLength(3));
    const failedRow = screen.getAllByTestId('history-row').find((r) => r.getAttribute('data-state') === 'failed')!;
    expect(screen.getAllByRole('button', { name: /^Retry / })).toHaveLength(1); // only the failed target of a finished run
    await user.click(within(failedRow).getByRole('button', { name: /^Retry / }));
    const dialog = await screen.findByRole('dialog', { name: 'Retry the failed targets?' });
    const box = within(dialog).getByRole('checkbox');
    expect(box).toBeChecked();
    await user.click(box);
    await user.click(within(dialog).getByRole('button', { name: 'Retry 0 targets' }));
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
    await user.click(box);
    await user.click(within(dialog).getByRole('button', { name: 'Retry 1 target' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'POST')).toBe(true));
    expect(requests.find((r) => r.method === 'POST')!.body).toEqual({ snapshot_id: done.snapshot_id, target_ids: [target2.id] });
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Retry the failed targets?' })).not.toBeInTheDocument());
  });

  it('shows a run that found the snapshot already there as "already present", not as a 0 B send', async () => {
    const present: Replication = {
      ...done,
      id: '77777777-7777-4777-8777-777777777777',
      state: 'succeeded',
      targets: [{ target_id: target.id, state: 'succeeded', kind: 'already_present', bytes: 0, bytes_total: 0, snapshots_sent: 0, updated_at: '2026-01-01T03:01:00Z' }],
    };
    renderApp(routes({ 'GET /replications': () => json(200, { items: [present], next_after: null }) }), '/replication');
    const row = await screen.findByTestId('history-row');
    expect(within(row).getByTestId('history-kind')).toHaveTextContent('already present');
    expect(row).toHaveTextContent('nothing sent');
    expect(row).not.toHaveTextContent('0 B');
  });

  it('adds a target with a server picker, directory and options (CSRF sent)', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(routes({ [`POST /subvolumes/${SUBVOLUME_ID}/targets`]: () => json(201, target) }), '/replication');
    await user.click(await screen.findByRole('button', { name: 'Add target for home' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add a target for home' });
    // the local primary is not offered: only other SSH servers
    const picker = within(dialog).getByRole('combobox', { name: /Server/ });
    expect(within(picker).queryByRole('option', { name: /^primary/ })).not.toBeInTheDocument();
    await user.selectOptions(picker, remote.id);
    await user.type(within(dialog).getByRole('textbox', { name: /Directory/ }), '/srv/backups/home');
    await user.click(within(dialog).getByRole('switch', { name: /Strict incremental/ }));
    await user.type(within(dialog).getByRole('textbox', { name: /Rate limit/ }), '1000000');
    await user.click(within(dialog).getByRole('button', { name: 'Add target' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    const post = requests.find((r) => r.method === 'POST')!;
    expect(post.body).toEqual({
      server_id: remote.id,
      directory: '/srv/backups/home',
      strict_incremental: true,
      missing: 'newest_only',
      rate_limit_bytes_per_sec: 1000000,
    });
    expect(post.headers.get('X-CSRF-Token')).toBe('csrf-token-1');
  });

  it('shows a refused directory next to the field', async () => {
    const user = userEvent.setup();
    renderApp(
      routes({
        [`POST /subvolumes/${SUBVOLUME_ID}/targets`]: () =>
          problem(400, 'Bad Request', 'directory: /etc is not under an allowed root'),
      }),
      '/replication',
    );
    await user.click(await screen.findByRole('button', { name: 'Add target for home' }));
    const dialog = await screen.findByRole('dialog');
    await user.selectOptions(within(dialog).getByRole('combobox', { name: /Server/ }), remote.id);
    await user.type(within(dialog).getByRole('textbox', { name: /Directory/ }), '/etc');
    await user.click(within(dialog).getByRole('button', { name: 'Add target' }));
    expect(await within(dialog).findByText('directory: /etc is not under an allowed root')).toBeInTheDocument();
  });

  it('edits and removes a target, and sets the RPO', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      routes({
        [`PATCH /targets/${target.id}`]: () => json(200, target),
        [`DELETE /targets/${target2.id}`]: () => new Response(null, { status: 204 }),
        [`PUT /subvolumes/${SUBVOLUME_ID}/rpo`]: () =>
          json(200, { subvolume_id: SUBVOLUME_ID, rpo_seconds: 7200, rpo_source: 'set', rpo_set_seconds: 7200 }),
      }),
      '/replication',
    );
    await user.click(await screen.findByRole('button', { name: `Edit target ${target.directory}` }));
    const dialog = await screen.findByRole('dialog', { name: 'Edit target' });
    await user.clear(within(dialog).getByRole('textbox', { name: /Rate limit/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PATCH')).toBe(true));
    expect(requests.find((r) => r.method === 'PATCH')!.body).toEqual({
      directory: target.directory,
      strict_incremental: false,
      missing: 'newest_only',
      rate_limit_bytes_per_sec: null,
    });

    await user.click(screen.getByRole('button', { name: `Remove target ${target2.directory}` }));
    await user.click(await screen.findByRole('button', { name: 'Remove target' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'DELETE')).toBe(true));

    await user.type(screen.getByRole('textbox', { name: /RPO of home/ }), '2');
    await user.click(screen.getByRole('button', { name: 'Set RPO' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PUT')).toBe(true));
    expect(requests.find((r) => r.method === 'PUT')!.body).toEqual({ rpo_seconds: 7200 });
  });

  it('offers viewers no changes', async () => {
    renderApp(routes({ 'GET /auth/me': () => json(200, viewer) }), '/replication');
    await waitFor(() => expect(screen.getAllByTestId('target-row')).toHaveLength(2));
    expect(screen.queryByRole('button', { name: /Add target/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Edit/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Remove/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Set RPO' })).not.toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId('history-row')).toHaveLength(3));
    expect(screen.queryByRole('button', { name: /^Retry / })).not.toBeInTheDocument();
  });

  it('loads older runs after the newest page, from its cursor', async () => {
    const user = userEvent.setup();
    const older = { ...done, id: 'r-older', requested_at: '2025-12-01T00:00:00Z' };
    const { requests } = renderApp(
      routes({
        'GET /replications': (_req: Request, url: URL) =>
          url.searchParams.get('after') === 'cursor-1'
            ? json(200, { items: [older], next_after: null })
            : json(200, { items: [done], next_after: 'cursor-1' }),
      }),
      '/replication',
    );
    await waitFor(() => expect(screen.getAllByTestId('history-row')).toHaveLength(2));
    expect(screen.getByText('1 run, newest first')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Load older runs' }));
    await waitFor(() => expect(screen.getAllByTestId('history-row')).toHaveLength(4));
    expect(screen.getByText('2 runs, newest first')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Load older runs' })).not.toBeInTheDocument();
    const afters = requests.filter((r) => r.url.pathname.endsWith('/replications')).map((r) => r.url.searchParams.get('after'));
    expect(afters).toEqual([null, 'cursor-1']);
  });

  it('says when nothing is replicating', async () => {
    renderApp(routes({ 'GET /replications': () => json(200, { items: [done], next_after: null }) }), '/replication');
    expect(await screen.findByTestId('nothing-running')).toHaveTextContent('Nothing is replicating.');
  });
});

describe('Replicate now and the Overview', () => {
  it("shows the subvolume's replication health and replicates a snapshot from its row", async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      routes({
        [`GET /subvolumes/${SUBVOLUME_ID}`]: () => json(200, subvolume),
        [`GET /subvolumes/${SUBVOLUME_ID}/snapshots`]: () => json(200, { items: [snapshot(2)], next_after: null }),
        [`GET /subvolumes/${SUBVOLUME_ID}/storage`]: () => problem(404, 'Not Found', 'no storage yet'),
        'POST /replications': () => json(202, { ...running, state: 'queued' }),
        [`GET /snapshots/${snapshot(2).id}/replication-preview`]: () =>
          json(200, [
            { target_id: target.id, plan: 'incremental', snapshot_id: snapshot(2).id, parent_snapshot_id: snapshot(1).id, estimated_bytes: 3 * 1048576 },
            { target_id: target2.id, plan: 'already_present' },
          ]),
        [`GET /subvolumes/${SUBVOLUME_ID}/replication-health`]: () =>
          json(200, {
            as_of: '2026-01-02T03:00:00Z',
            rpo: { subvolume_id: SUBVOLUME_ID, rpo_seconds: 86400, rpo_source: 'default' },
            summary: { total: 2, ok: 1, late: 0, failing: 1, never_replicated: 0 },
            items: [okHealth, failingHealth],
          }),
      }),
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    const card = await screen.findByRole('region', { name: 'Replication' });
    await waitFor(() => expect(within(card).getAllByTestId('subvolume-target-health')).toHaveLength(2));
    expect(within(card).getByTestId('subvolume-rpo')).toHaveTextContent('RPO 24 h (default: no policy)');
    expect(within(card).getAllByTestId('subvolume-target-health')[1]).toHaveTextContent('FAILING');
    await user.click(await screen.findByRole('button', { name: `Replicate ${snapshot(2).name}` }));
    // The dialog says per target what would happen; the one that lacks the snapshot is ticked.
    const dialog = await screen.findByRole('dialog', { name: `Replicate ${snapshot(2).name}` });
    const rows = await within(dialog).findAllByTestId('preview-target');
    expect(rows.map((r) => r.getAttribute('data-plan'))).toEqual(['incremental', 'already_present']);
    expect(dialog).toHaveTextContent('incremental send · about 3.00 MiB');
    expect(dialog).toHaveTextContent('already present: nothing to send');
    const [incremental, present] = within(dialog).getAllByRole('checkbox') as [HTMLElement, HTMLElement];
    expect(incremental).toBeChecked();
    expect(present).not.toBeChecked();
    expect(present).toBeDisabled();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Replicate to 1 target' }));
    expect(await screen.findByText(/Replication to 1 target started/)).toBeInTheDocument();
    expect(requests.find((r) => r.method === 'POST')!.body).toEqual({ snapshot_id: snapshot(2).id, target_ids: [target.id] });
  });

  it('hides Replicate when the subvolume has no targets', async () => {
    renderApp(
      routes({
        'GET /targets': () => json(200, page([])),
        [`GET /subvolumes/${SUBVOLUME_ID}`]: () => json(200, subvolume),
        [`GET /subvolumes/${SUBVOLUME_ID}/snapshots`]: () => json(200, { items: [snapshot(2)], next_after: null }),
        [`GET /subvolumes/${SUBVOLUME_ID}/storage`]: () => problem(404, 'Not Found', 'no storage yet'),
      }),
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    expect(await screen.findByRole('button', { name: `Delete ${snapshot(2).name}` })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Replicate/ })).not.toBeInTheDocument();
  });

  it('shows the fleet health summary and the failing pairs on the Overview', async () => {
    renderApp(routes(), '/');
    const card = await screen.findByRole('region', { name: 'Replication health' });
    await waitFor(() => expect(within(card).getByTestId('summary-failing')).toHaveTextContent('1 FAILING'));
    expect(within(card).getByTestId('health-alert')).toHaveTextContent('home → backup-1:/srv/backups/other: ssh: connection refused');
  });
});
