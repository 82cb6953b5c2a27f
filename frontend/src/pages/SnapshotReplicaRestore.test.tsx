import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { json, page, renderApp } from '../test/fakeApi';
import { SUBVOLUME_ID, snapshot } from '../test/fleet';
import { RESTORE_ID, dir, entry, replica, restore, snapshotBackend, snapshotPage, target } from '../test/restore';

const REPLICA = 'Replica on backup-1:/srv/backups/home';
const BRING_BACK = 'Bring the snapshot back to the primary, or copy it to another server';

describe('Restore from a replica: a snapshot the primary holds', () => {
  it('lists each replica with its target, health and last verification, and sends source_replica_id', async () => {
    const user = userEvent.setup();
    const verified = { ok: true, files_compared: 40, sample_percent: 25, mismatches: [], verified_at: '2026-01-04T00:00:00Z' };
    const { requests } = renderApp(
      snapshotBackend({
        [`GET /snapshots/${snapshotPage.snapshot.id}/replicas`]: () => json(200, [replica(1, { verification: verified })]),
        'POST /restores': () => json(202, restore({ replica_target_id: target.id })),
        [`GET /restores/${RESTORE_ID}`]: () => json(200, restore({ state: 'succeeded', replica_target_id: target.id, bytes: 0 })),
      }),
      snapshotPage.path,
    );
    await user.click(await screen.findByRole('button', { name: 'Restore…' }));
    const dialog = await screen.findByRole('dialog');
    const source = await within(dialog).findByTestId('replica-source');
    await waitFor(() => expect(within(source).getByTestId('target-health')).toHaveAttribute('data-state', 'ok'));
    expect(source).toHaveTextContent('OK');
    expect(source).toHaveTextContent(`newest ${snapshot(2).name}`);
    expect(within(source).getByTestId('verification')).toHaveTextContent('40 files compared (25% sample)');

    await user.click(within(dialog).getByRole('radio', { name: REPLICA }));
    // the primary holds it: it cannot come back there, but a copy can go to another server
    expect(within(dialog).getByRole('radio', { name: BRING_BACK })).toBeEnabled();
    const summary = within(dialog).getByTestId('restore-summary');
    expect(summary).toHaveTextContent(/The primary still holds home\.20260101T000000Z, so that copy is used/);
    expect(summary).toHaveTextContent(/Then: A new writable subvolume is made/);
    await user.click(within(dialog).getByRole('button', { name: 'Make the new subvolume' }));
    await waitFor(() => expect(within(dialog).getByTestId('restore-progress')).toHaveAttribute('data-state', 'succeeded'));
    expect(dialog).toHaveTextContent('From the replica on');
    expect(dialog).toHaveTextContent('nothing: the primary held it already');
    const post = requests.find((r) => r.method === 'POST' && r.url.pathname === '/api/v1/restores')!;
    expect(post.body).toMatchObject({ mode: 'new_subvolume', snapshot_id: snapshotPage.snapshot.id, source_replica_id: replica(1).id });
  });
});

describe('Restore from a replica: a snapshot the primary lost', () => {
  const lost = snapshot(2, { state: 'deleted', gone_at: '2026-01-05T00:00:00Z' });
  const lostPage = `/subvolumes/${SUBVOLUME_ID}/snapshots/${lost.id}`;
  /** Snapshot 2 deleted on the primary, its replica on `target`; snapshot 1 present, with a replica there too. */
  function lostBackend(reads: () => number) {
    return snapshotBackend({
      [`GET /snapshots/${lost.id}`]: () => json(200, lost),
      [`GET /snapshots/${lost.id}/replicas`]: () => json(200, [replica(2)]),
      [`GET /subvolumes/${SUBVOLUME_ID}/snapshots`]: () => json(200, { items: [snapshotPage.snapshot], next_after: null }),
      [`GET /targets/${target.id}/replicas`]: () => json(200, page([replica(2), replica(1)])),
      [`GET /replicas/${replica(2).id}/tree`]: () => json(200, { path: '', entries: [dir('etc'), entry('notes.txt')] }),
      'POST /restores': () => json(202, restore({ mode: 'snapshot', snapshot_id: lost.id, replica_target_id: target.id })),
      [`GET /restores/${RESTORE_ID}`]: () => {
        const n = reads();
        const base = { mode: 'snapshot' as const, snapshot_id: lost.id, replica_target_id: target.id };
        if (n < 3) return json(200, restore({ ...base, state: 'running', bytes: 1572864, rate_bytes_per_sec: 524288 }));
        return json(200, restore({ ...base, state: 'succeeded', bytes: 3145728, incremental_from: snapshot(1).id, result_path: lost.path }));
      },
    });
  }

  it('says so, browses the files on the replica, and brings it back by default: incremental, with live bytes and rate', async () => {
    const user = userEvent.setup();
    let n = 0;
    const { requests } = renderApp(lostBackend(() => ++n), lostPage);
    expect(await screen.findByRole('note', { name: 'Not on the primary (deleted)' })).toHaveTextContent(/a replica does/);
    expect(await screen.findByRole('heading', { name: 'Files (on the replica on backup-1:/srv/backups/home)' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId('tree-entry')).toHaveLength(2));
    expect(screen.queryByRole('heading', { name: 'Diff' })).toBeNull();

    await user.click(screen.getByRole('button', { name: 'Restore from a replica…' }));
    const dialog = await screen.findByRole('dialog');
    const primarySource = within(dialog).getByRole('radio', { name: /Primary snapshot/ });
    expect(primarySource).toBeDisabled();
    expect(dialog).toHaveTextContent(/Not on the primary any more \(deleted since .*\): restore it from one of its replicas/);
    expect(within(dialog).getByRole('radio', { name: REPLICA })).toBeChecked();
    expect(within(dialog).getByRole('radio', { name: BRING_BACK })).toBeChecked();
    expect(within(dialog).getByRole('radio', { name: 'the primary (catalogued again)' })).toBeChecked();
    expect(within(dialog).queryByRole('combobox', { name: /Server/ })).toBeNull();
    const summary = within(dialog).getByTestId('restore-summary');
    await waitFor(() => expect(summary).toHaveTextContent(`incrementally against ${snapshot(1).name}, which the primary and this target both hold`));
    expect(summary).toHaveTextContent(/^home\.20260102T000000Z is received back from its replica on backup-1:\/srv\/backups\/home/);
    expect(summary).toHaveTextContent(/Nothing else is changed/);

    await user.click(within(dialog).getByRole('button', { name: 'Bring it back' }));
    const figures = await within(dialog).findByTestId('restore-figures', {}, { timeout: 4000 });
    expect(figures).toHaveTextContent('Receiving back from backup-1:/srv/backups/home: 1.50 MiB so far at 512 KiB/s');
    expect(within(dialog).getByTestId('restore-bar')).toBeInTheDocument();
    await waitFor(() => expect(within(dialog).getByTestId('restore-progress')).toHaveAttribute('data-state', 'succeeded'), { timeout: 8000 });
    expect(within(dialog).queryByTestId('restore-bar')).toBeNull();
    await waitFor(() => expect(dialog).toHaveTextContent(`incrementally, against ${snapshot(1).name}`));
    expect(dialog).toHaveTextContent('3.00 MiB');
    const post = requests.find((r) => r.method === 'POST' && r.url.pathname === '/api/v1/restores')!;
    expect(post.body).toEqual({ mode: 'snapshot', snapshot_id: lost.id, source_replica_id: replica(2).id, paths: [], overwrite: false });
  });

  it('without a replica: says it cannot be restored and offers no Restore', async () => {
    renderApp(
      snapshotBackend({
        [`GET /snapshots/${lost.id}`]: () => json(200, lost),
        [`GET /snapshots/${lost.id}/replicas`]: () => json(200, []),
      }),
      lostPage,
    );
    expect(await screen.findByRole('note', { name: 'Not on the primary (deleted)' })).toHaveTextContent(/it cannot be restored/);
    expect(screen.queryByRole('button', { name: /Restore/ })).toBeNull();
    expect(screen.queryByRole('heading', { name: /Files/ })).toBeNull();
  });
});
