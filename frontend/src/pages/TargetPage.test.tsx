import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { PlannedReplica, Replica, TargetRetention } from '../api/restoreQueries';
import { replicaName } from '../lib/restore';
import { defaultRoutes, type Handler, json, page, problem, renderApp } from '../test/fakeApi';
import { primary, remote, snapshot, subvolume, viewer } from '../test/fleet';
import { RESTORE_ID, dir, entry, replica, restore, target } from '../test/restore';

const COMMON_BASE = `replica ${replica(2).id} is the common base of its target: the next replication there would be a full send. Pass force=true to delete it anyway`;

function planned(r: Replica, extra: Partial<PlannedReplica>): PlannedReplica {
  return {
    replica_id: r.id,
    snapshot_id: r.snapshot_id,
    name: replicaName(r.path),
    path: r.path,
    received_at: r.recorded_at,
    created_at: r.recorded_at,
    size_bytes: null,
    pinned_as_base: false,
    sending: false,
    action: 'keep',
    reasons: [],
    ...extra,
  };
}

/** Keep one per target: replica 1 goes at the next prune, replica 2 (the base) stays. */
const KEEP_ONE: TargetRetention = {
  target_id: target.id,
  policy_id: '99999999-9999-4999-8999-999999999999',
  target_retention: { keep_last: 1, hourly: 0, daily: 0, weekly: 0, monthly: 0, yearly: 0 },
  at: '2026-01-06T00:00:00Z',
  keep: 1,
  delete: 1,
  replicas: [
    planned(replica(1), { action: 'delete', size_bytes: 3 * 1024 * 1024 }),
    planned(replica(2), { pinned_as_base: true, reasons: ['newest snapshot', 'keep_last 1', 'incremental base for target x'] }),
  ],
};

/** A target holding replicas of snapshots 1 and 2; 2 is its common base (deleted only with force). */
function backend(extra: Record<string, Handler> = {}): Record<string, Handler> {
  const verified = { ok: false, files_compared: 12, sample_percent: 100, mismatches: ['etc/hosts'], verified_at: '2026-01-03T00:00:00Z' };
  let replicas: Replica[] = [replica(2, { verification: verified }), replica(1)];
  const routes: Record<string, Handler> = {
    ...defaultRoutes(),
    'GET /servers': () => json(200, page([primary, remote])),
    'GET /subvolumes': () => json(200, page([subvolume])),
    'GET /targets': () => json(200, page([target])),
    [`GET /targets/${target.id}`]: () => json(200, target),
    [`GET /targets/${target.id}/replicas`]: () => json(200, page(replicas)),
    [`GET /targets/${target.id}/retention`]: () =>
      json(200, { ...KEEP_ONE, target_retention: null, policy_id: null, keep: replicas.length, delete: 0, replicas: replicas.map((r) => planned(r, {})) }),
    [`GET /replicas/${replica(1).id}/tree`]: (_req, url) =>
      json(200, url.searchParams.get('path') ? { path: 'docs', entries: [entry('a.md')] } : { path: '', entries: [dir('docs'), entry('x.bin')] }),
    ...extra,
  };
  for (const r of replicas) {
    routes[`DELETE /replicas/${r.id}`] ??= (_req, url) => {
      if (r.id === replica(2).id && url.searchParams.get('force') !== 'true') return problem(409, 'Conflict', COMMON_BASE);
      replicas = replicas.filter((x) => x.id !== r.id);
      return json(200, r);
    };
  }
  return routes;
}

const rows = () => screen.getAllByTestId('replica-row');

describe('Target page', () => {
  it('lists the target and its replicas, each linking to its snapshot', async () => {
    renderApp(backend(), `/replication/targets/${target.id}`);
    expect(await screen.findByRole('heading', { name: 'Target backup-1:/srv/backups/home' })).toBeInTheDocument();
    await waitFor(() => expect(rows().map((r) => r.getAttribute('data-name'))).toEqual([snapshot(2).name, snapshot(1).name]));
    expect(within(rows()[0]!).getByTestId('verification')).toHaveAttribute('data-ok', 'false');
    expect(rows()[0]).toHaveTextContent('DIFFERS12 files compared');
    expect(within(rows()[0]!).getByRole('list', { name: `Differences of ${replica(2).path}` })).toHaveTextContent('etc/hosts');
    expect(rows()[1]).toHaveTextContent('not verified yet');
    expect(within(rows()[1]!).getByRole('link', { name: snapshot(1).name })).toHaveAttribute(
      'href',
      `/subvolumes/${subvolume.id}/snapshots/${snapshot(1).id}`,
    );
    expect(within(rows()[1]!).getByRole('link', { name: `Browse ${snapshot(1).name}` })).toHaveAttribute(
      'href',
      `/replication/targets/${target.id}/replicas/${replica(1).id}`,
    );
  });

  it('shows per replica its size, the base and what the next prune does and why', async () => {
    renderApp(backend({ [`GET /targets/${target.id}/retention`]: () => json(200, KEEP_ONE) }), `/replication/targets/${target.id}`);
    expect(await screen.findByTestId('target-retention')).toHaveTextContent('Target retention: keep_last 1. The next prune deletes 1 of 2 replicas.');
    await waitFor(() => expect(rows()[1]).toHaveTextContent('deleted at the next prune'));
    expect(rows()[1]).toHaveTextContent('3.00 MiB');
    expect(rows()[1]).not.toHaveTextContent('base');
    expect(rows()[0]).toHaveTextContent('kept: newest snapshot, keep_last 1, incremental base for target x');
    expect(rows()[0]).toHaveTextContent('unknown – quotas off');
    expect(within(rows()[0]!).getByText('base')).toBeInTheDocument();
  });

  it('without target retention says replicas are never pruned', async () => {
    renderApp(backend(), `/replication/targets/${target.id}`);
    expect(await screen.findByTestId('target-retention')).toHaveTextContent('Its subvolume follows no policy: replicas on this target are never pruned.');
    await waitFor(() => expect(rows()[0]).toHaveTextContent('kept (no target retention)'));
  });

  it('deletes a replica after confirming', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(backend(), `/replication/targets/${target.id}`);
    await user.click(await screen.findByRole('button', { name: `Delete ${snapshot(1).name}` }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete this replica?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete replica' }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    const del = requests.find((r) => r.method === 'DELETE')!;
    expect(del.url.searchParams.get('force')).toBe('false');
  });

  it('the common base: shows why it was refused and offers a forced delete (the next send is full)', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(backend(), `/replication/targets/${target.id}`);
    await user.click(await screen.findByRole('button', { name: `Delete ${snapshot(2).name}` }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete this replica?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete replica' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('is the common base of its target');
    expect(dialog).toHaveTextContent(/the next replication to this target will be a full send/);
    await user.click(within(dialog).getByRole('button', { name: 'Delete anyway (force)' }));
    await waitFor(() => expect(rows().map((r) => r.getAttribute('data-name'))).toEqual([snapshot(1).name]));
    expect(requests.filter((r) => r.method === 'DELETE').map((r) => r.url.searchParams.get('force'))).toEqual(['false', 'true']);
  });

  it('verifies a replica with a sample, follows the job, then shows the result', async () => {
    const user = userEvent.setup();
    let verified = false;
    const { requests } = renderApp(
      backend({
        [`GET /targets/${target.id}/replicas`]: () =>
          json(
            200,
            page([
              replica(1, verified ? { verification: { ok: true, files_compared: 3, sample_percent: 25, mismatches: [], verified_at: '2026-01-07T00:00:00Z' } } : {}),
            ]),
          ),
        [`POST /replicas/${replica(1).id}/verify`]: () => json(202, restore({ mode: 'verify', replica_target_id: target.id, sample_percent: 25 })),
        [`GET /restores/${RESTORE_ID}`]: () => {
          verified = true;
          return json(200, restore({ mode: 'verify', state: 'succeeded', replica_target_id: target.id, sample_percent: 25 }));
        },
      }),
      `/replication/targets/${target.id}`,
    );
    await user.click(await screen.findByRole('button', { name: `Verify ${snapshot(1).name}` }));
    const dialog = await screen.findByRole('dialog', { name: `Verify ${snapshot(1).name}` });
    expect(within(dialog).getByTestId('verify-summary')).toHaveTextContent(/same content \(sha256\) for every file/);
    const sample = within(dialog).getByRole('textbox', { name: /Content compared/ });
    await user.clear(sample);
    expect(within(dialog).getByRole('button', { name: 'Verify' })).toBeDisabled();
    await user.type(sample, '25');
    expect(within(dialog).getByTestId('verify-summary')).toHaveTextContent(/for 25% of the files, picked by their path/);
    await user.click(within(dialog).getByRole('button', { name: 'Verify' }));
    await waitFor(() => expect(within(dialog).getByTestId('restore-progress')).toHaveAttribute('data-state', 'succeeded'));
    expect(dialog).toHaveTextContent('Verify a replica');
    expect(requests.find((r) => r.method === 'POST')!.body).toEqual({ sample_percent: 25 });
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(within(rows()[0]!).getByTestId('verification')).toHaveAttribute('data-ok', 'true'));
    expect(rows()[0]).toHaveTextContent('OK3 files compared (25% sample)');
  });

  it('viewers see the replicas without Browse or Delete', async () => {
    renderApp({ ...backend(), 'GET /auth/me': () => json(200, viewer) }, `/replication/targets/${target.id}`);
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(screen.queryByRole('button', { name: /Delete/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Verify/ })).toBeNull();
    expect(screen.queryByRole('link', { name: /Browse/ })).toBeNull();
  });

  it("browses a replica's files through browseReplica, downloads through downloadReplicaFile", async () => {
    const user = userEvent.setup();
    renderApp(backend(), `/replication/targets/${target.id}/replicas/${replica(1).id}`);
    expect(await screen.findByRole('heading', { name: `Replica ${snapshot(1).name}` })).toBeInTheDocument();
    const file = (await screen.findAllByTestId('tree-entry'))[1]!;
    expect(within(file).getByRole('link', { name: 'Download x.bin' })).toHaveAttribute(
      'href',
      `/api/v1/replicas/${replica(1).id}/file?path=x.bin`,
    );
    expect(screen.queryByRole('checkbox')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Open docs' }));
    await waitFor(() => expect(screen.getAllByTestId('tree-entry').map((r) => r.getAttribute('data-name'))).toEqual(['a.md']));
  });

  it('the Replication page links each target to its page', async () => {
    renderApp(
      { ...backend(), 'GET /replications': () => json(200, { items: [], next_after: null }) },
      '/replication',
    );
    const link = await screen.findByRole('link', { name: `Replicas on ${target.directory}` });
    expect(link).toHaveAttribute('href', `/replication/targets/${target.id}`);
  });
});
