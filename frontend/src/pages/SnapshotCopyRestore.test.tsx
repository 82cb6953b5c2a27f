import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Server } from '../api/client';
import { type Handler, json, page, problem, renderApp } from '../test/fakeApi';
import { primary, remote } from '../test/fleet';
import { RESTORE_ID, replica, restore, snapshotBackend, snapshotPage, target } from '../test/restore';

const SNAPSHOT = 'Bring the snapshot back to the primary, or copy it to another server';
const ELSEWHERE = 'another server (a copy)';
const spare: Server = { ...remote, id: '99999999-9999-4999-8999-999999999999', name: 'spare', allowed_roots: ['/srv/spare'] };
const snap = snapshotPage.snapshot;

/** Snapshot 1's page (held by the primary, a replica on `target`), three servers, and the restore answer `post`. */
function copyBackend(post: Handler) {
  return snapshotBackend({
    'GET /servers': () => json(200, page([primary, remote, spare])),
    'POST /restores': post,
    [`GET /restores/${RESTORE_ID}`]: () =>
      json(
        200,
        restore({ mode: 'snapshot', server_id: spare.id, replica_target_id: target.id, state: 'succeeded', bytes: 2048, result_path: `/srv/spare/copies/${snap.name}` }),
      ),
  });
}

/** Opens the Restore dialog, chooses the replica and the snapshot mode: a copy on another server. */
async function openCopy(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'Restore…' }));
  const dialog = await screen.findByRole('dialog');
  await user.click(await within(dialog).findByRole('radio', { name: 'Replica on backup-1:/srv/backups/home' }));
  await user.click(within(dialog).getByRole('radio', { name: SNAPSHOT }));
  return dialog;
}

const restorePost = (requests: { method: string; url: URL; body: unknown }[]) =>
  requests.find((r) => r.method === 'POST' && r.url.pathname === '/api/v1/restores');

describe('Restore a snapshot from a replica onto another server', () => {
  it('offers the servers other than the primary, says what happens, and sends destination_server_id and destination', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(copyBackend(() => json(202, restore({ mode: 'snapshot', server_id: spare.id }))), snapshotPage.path);
    const dialog = await openCopy(user);
    // the primary holds this snapshot: only a copy elsewhere is possible
    expect(within(dialog).getByRole('radio', { name: 'the primary (catalogued again)' })).toBeDisabled();
    expect(within(dialog).getByRole('radio', { name: ELSEWHERE })).toBeChecked();
    const server = within(dialog).getByRole('combobox', { name: /Server/ });
    await waitFor(() => expect(within(server).getAllByRole('option')).toHaveLength(3));
    expect(within(server).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Choose a server',
      'backup-1 (/srv/backups)',
      'spare (/srv/spare)',
    ]);

    await user.selectOptions(server, spare.id);
    await user.type(within(dialog).getByRole('textbox', { name: /Directory/ }), '/srv/spare/copies/');
    const summary = within(dialog).getByTestId('restore-summary');
    expect(summary).toHaveTextContent(
      `Receives snapshot ${snap.name} from its replica on backup-1:/srv/backups/home into /srv/spare/copies/${snap.name} on server spare as a read-only copy`,
    );
    expect(summary).toHaveTextContent('The catalog is not changed');
    expect(summary).not.toHaveTextContent(/primary still holds/);

    await user.click(within(dialog).getByRole('button', { name: 'Receive the copy' }));
    await waitFor(() => expect(within(dialog).getByTestId('restore-progress')).toHaveAttribute('data-state', 'succeeded'));
    expect(dialog).toHaveTextContent('Copy onspare');
    expect(dialog).toHaveTextContent('in full (no earlier copy of an older snapshot there)');
    expect(restorePost(requests)!.body).toEqual({
      mode: 'snapshot',
      snapshot_id: snap.id,
      source_replica_id: replica(1).id,
      destination_server_id: spare.id,
      destination: '/srv/spare/copies/',
      paths: [],
      overwrite: false,
    });
  });

  it('checks the directory before sending', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(copyBackend(() => json(202, restore())), snapshotPage.path);
    const dialog = await openCopy(user);
    await waitFor(() => expect(within(dialog).getAllByRole('option')).toHaveLength(3));
    await user.selectOptions(within(dialog).getByRole('combobox', { name: /Server/ }), spare.id);
    await user.type(within(dialog).getByRole('textbox', { name: /Directory/ }), 'copies');
    await user.click(within(dialog).getByRole('button', { name: 'Receive the copy' }));
    expect(within(dialog).getByRole('textbox', { name: /Directory/ })).toHaveAccessibleDescription(/An absolute path on the server/);
    expect(restorePost(requests)).toBeUndefined();
  });

  it('is not offered or sent for the other modes, even once filled in', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(copyBackend(() => json(202, restore())), snapshotPage.path);
    await user.click(await screen.findByRole('button', { name: 'Restore…' }));
    const dialog = await screen.findByRole('dialog');
    // from the primary's copy the snapshot mode is not offered at all
    expect(within(dialog).queryByRole('radio', { name: SNAPSHOT })).toBeNull();
    await user.click(await within(dialog).findByRole('radio', { name: 'Replica on backup-1:/srv/backups/home' }));
    expect(within(dialog).queryByRole('radiogroup', { name: 'Receive on' })).toBeNull();
    expect(within(dialog).queryByRole('combobox', { name: /Server/ })).toBeNull();

    await user.click(within(dialog).getByRole('radio', { name: SNAPSHOT }));
    await waitFor(() => expect(within(dialog).getAllByRole('option')).toHaveLength(3));
    await user.selectOptions(within(dialog).getByRole('combobox', { name: /Server/ }), spare.id);
    await user.type(within(dialog).getByRole('textbox', { name: /Directory/ }), '/srv/spare/copies');
    for (const mode of ['Rollback', 'Files', 'New subvolume']) {
      await user.click(within(dialog).getByRole('radio', { name: mode }));
      expect(within(dialog).queryByRole('radio', { name: ELSEWHERE })).toBeNull();
      expect(within(dialog).queryByRole('combobox', { name: /Server/ })).toBeNull();
      expect(within(dialog).getByTestId('restore-summary')).not.toHaveTextContent(/read-only copy/);
    }
    await user.click(within(dialog).getByRole('button', { name: 'Make the new subvolume' }));
    await waitFor(() => expect(restorePost(requests)).toBeDefined());
    expect(restorePost(requests)!.body).toEqual({
      mode: 'new_subvolume',
      snapshot_id: snap.id,
      source_replica_id: replica(1).id,
      destination: `/mnt/pool/data/${snap.name}.restored`,
      paths: [],
      overwrite: false,
    });
  });

  it.each([
    ['destination', /Directory/, 'textbox', 'no directory /srv/spare/copies on spare'],
    ['destination_server_id', /Server/, 'combobox', 'the subvolume is on that server'],
  ])('shows a 400 about %s next to its input, not at the end of the form', async (field, name, role, detail) => {
    const user = userEvent.setup();
    renderApp(copyBackend(() => problem(400, 'Bad Request', detail, field)), snapshotPage.path);
    const dialog = await openCopy(user);
    await waitFor(() => expect(within(dialog).getAllByRole('option')).toHaveLength(3));
    await user.selectOptions(within(dialog).getByRole('combobox', { name: /Server/ }), spare.id);
    await user.type(within(dialog).getByRole('textbox', { name: /Directory/ }), '/srv/spare/copies');
    await user.click(within(dialog).getByRole('button', { name: 'Receive the copy' }));
    const input = within(dialog).getByRole(role, { name });
    await waitFor(() => expect(input).toHaveAccessibleDescription(expect.stringContaining(detail)));
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).queryByText('Could not start the restore')).toBeNull();
    expect(dialog).toHaveTextContent(detail);
  });
});
