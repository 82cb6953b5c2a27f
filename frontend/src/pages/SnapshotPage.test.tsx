import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { json, problem, renderApp } from '../test/fakeApi';
import { viewer } from '../test/fleet';
import { RESTORE_ID, replica, restore, snapshotBackend as backend, snapshotPage, target } from '../test/restore';

const snap = snapshotPage.snapshot;
const PAGE = snapshotPage.path;

const entries = () => screen.getAllByTestId('tree-entry').map((r) => r.getAttribute('data-name'));

describe('Snapshot page: browsing', () => {
  it('lists the top directory with kind, size, mode as rwx and the symlink target, and links downloads', async () => {
    const { requests } = renderApp(backend(), PAGE);
    expect(await screen.findByRole('heading', { name: snap.name })).toBeInTheDocument();
    await waitFor(() => expect(entries()).toEqual(['etc', 'notes.txt', 'latest']));
    const [etc, notes, latest] = screen.getAllByTestId('tree-entry');
    expect(etc).toHaveTextContent('drwxr-xr-x');
    expect(notes).toHaveTextContent('-rw-r--r--');
    expect(notes).toHaveTextContent('2.00 KiB');
    expect(notes).not.toHaveTextContent('→');
    expect(latest).toHaveTextContent('lrwxrwxrwx');
    expect(latest).toHaveTextContent('→ etc/hosts');
    const download = within(notes!).getByRole('link', { name: 'Download notes.txt' });
    expect(download).toHaveAttribute('href', `/api/v1/snapshots/${snap.id}/file?path=notes.txt`);
    expect(download).toHaveAttribute('download', 'notes.txt');
    expect(within(etc!).queryByRole('link', { name: /Download/ })).toBeNull();
    const tree = requests.find((r) => r.url.pathname.endsWith('/tree'))!;
    expect(tree.url.searchParams.get('path')).toBe('');
  });

  it('enters a directory, follows the breadcrumb back and loads more through next_cursor', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(backend(), PAGE);
    await user.click(await screen.findByRole('button', { name: 'Open etc' }));
    await waitFor(() => expect(entries()).toEqual(['hosts']));
    expect(screen.getByRole('navigation', { name: 'Directory' })).toHaveTextContent(`${snap.name}/etc`);
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(entries()).toEqual(['hosts', 'passwd']));
    expect(requests.find((r) => r.url.searchParams.get('cursor') === 'c1')?.url.searchParams.get('path')).toBe('etc');
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(within(screen.getAllByTestId('tree-entry')[0]!).getByRole('link', { name: 'Download hosts' })).toHaveAttribute(
      'href',
      `/api/v1/snapshots/${snap.id}/file?path=etc%2Fhosts`,
    );
    await user.click(screen.getByRole('button', { name: snap.name }));
    await waitFor(() => expect(entries()).toEqual(['etc', 'notes.txt', 'latest']));
  });

  it('lists the replicas with their target and a Browse link', async () => {
    renderApp(backend(), PAGE);
    const row = await screen.findByTestId('snapshot-replica-row');
    await waitFor(() => expect(row).toHaveTextContent('backup-1:/srv/backups/home'));
    expect(within(row).getByRole('link', { name: /Browse/ })).toHaveAttribute(
      'href',
      `/replication/targets/${target.id}/replicas/${replica(1).id}`,
    );
  });

  it('viewers see the facts and replicas, but neither the browser nor Restore', async () => {
    renderApp(backend({}, viewer), PAGE);
    expect(await screen.findByRole('heading', { name: snap.name })).toBeInTheDocument();
    expect(await screen.findByText(/Browsing a snapshot’s files needs the operator role/)).toBeInTheDocument();
    expect(screen.getByText(/Comparing snapshots needs the operator role/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Restore…' })).toBeNull();
    expect(screen.queryByTestId('file-browser')).toBeNull();
  });
});

describe('Snapshot page: restoring', () => {
  it('a new subvolume: says what happens, sends the destination, then follows the restore until it succeeded', async () => {
    const user = userEvent.setup();
    let reads = 0;
    const { requests } = renderApp(
      backend({
        'POST /restores': () => json(202, restore()),
        [`GET /restores/${RESTORE_ID}`]: () => {
          reads += 1;
          return json(200, reads < 2 ? restore({ state: 'running', bytes: 1024 }) : restore({ state: 'succeeded', result_path: '/mnt/pool/data/copy' }));
        },
      }),
      PAGE,
    );
    await user.click(await screen.findByRole('button', { name: 'Restore…' }));
    const dialog = await screen.findByRole('dialog', { name: `Restore from ${snap.name}` });
    expect(within(dialog).getByRole('radio', { name: 'Primary snapshot' })).toBeChecked();
    const viaReplica = await within(dialog).findByRole('radio', { name: 'Replica on backup-1:/srv/backups/home' });
    expect(viaReplica).toBeEnabled();
    expect(viaReplica).not.toBeChecked();
    expect(within(dialog).queryByRole('radio', { name: /^Bring the snapshot back/ })).toBeNull();
    const destination = within(dialog).getByRole('textbox', { name: /Destination path/ });
    await user.clear(destination);
    await user.type(destination, '/mnt/pool/data/copy');
    expect(within(dialog).getByTestId('restore-summary')).toHaveTextContent(/new writable subvolume is made at \/mnt\/pool\/data\/copy/);
    await user.click(within(dialog).getByRole('button', { name: 'Make the new subvolume' }));
    await waitFor(() => expect(within(dialog).getByTestId('restore-progress')).toHaveAttribute('data-state', 'succeeded'), { timeout: 8000 });
    expect(dialog).toHaveTextContent('/mnt/pool/data/copy');
    const post = requests.find((r) => r.method === 'POST' && r.url.pathname === '/api/v1/restores')!;
    expect(post.body).toEqual({ mode: 'new_subvolume', snapshot_id: snap.id, destination: '/mnt/pool/data/copy', paths: [], overwrite: false });
    expect(post.headers.get('X-CSRF-Token')).toBe('csrf-token-1');
  });

  it("shows the server's field error under the destination and other problems at the end", async () => {
    const user = userEvent.setup();
    let answer = problem(400, 'Bad Request', 'destination: /etc/copy is outside the allowed roots', 'destination');
    renderApp(backend({ 'POST /restores': () => answer }), PAGE);
    await user.click(await screen.findByRole('button', { name: 'Restore…' }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Make the new subvolume' }));
    const input = within(dialog).getByRole('textbox', { name: /Destination path/ });
    await waitFor(() => expect(input).toHaveAccessibleDescription(/outside the allowed roots/));
    expect(within(dialog).queryByRole('alert')).toBeNull();
    answer = problem(409, 'Conflict', 'the destination exists');
    await user.click(within(dialog).getByRole('button', { name: 'Make the new subvolume' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('the destination exists');
  });

  it('a rollback explains itself and is confirmed only by typing the subvolume name', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      backend({
        'POST /restores': () => json(202, restore({ mode: 'rollback', state: 'queued' })),
        [`GET /restores/${RESTORE_ID}`]: () =>
          json(200, restore({ mode: 'rollback', state: 'failed', error: 'btrfs: Device or resource busy' })),
      }),
      PAGE,
    );
    await user.click(await screen.findByRole('button', { name: 'Restore…' }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('radio', { name: 'Rollback' }));
    expect(dialog).toHaveTextContent(/current state is not lost: it is kept first as a snapshot held as “pre-restore”/);
    expect(within(dialog).getByTestId('restore-summary')).toHaveTextContent(/goes back to the state of/);
    const confirm = within(dialog).getByRole('button', { name: 'Roll back home' });
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByRole('textbox', { name: 'Type home to confirm' }), 'hom');
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByRole('textbox', { name: 'Type home to confirm' }), 'e');
    expect(confirm).toBeEnabled();
    await user.click(confirm);
    expect(await within(dialog).findByText('btrfs: Device or resource busy')).toBeInTheDocument();
    expect(within(dialog).getByTestId('restore-state')).toHaveTextContent('failed');
    expect(requests.find((r) => r.method === 'POST')!.body).toEqual({ mode: 'rollback', snapshot_id: snap.id, paths: [], overwrite: false });
  });

  it('files: picks paths in the browser, says where existing files go, and sends overwrite', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      backend({
        'POST /restores': () => json(202, restore({ mode: 'files', paths: ['notes.txt', 'etc/hosts'] })),
        [`GET /restores/${RESTORE_ID}`]: () =>
          json(200, restore({ mode: 'files', state: 'succeeded', files_copied: 2, kept_beside: ['notes.txt.restored-20260106T000000Z'] })),
      }),
      PAGE,
    );
    await user.click(await screen.findByRole('checkbox', { name: 'Pick notes.txt' }));
    await user.click(screen.getByRole('button', { name: 'Open etc' }));
    await user.click(await screen.findByRole('checkbox', { name: 'Pick hosts' }));
    expect(screen.getByTestId('picked-count')).toHaveTextContent('2 picked');
    await user.click(screen.getByRole('button', { name: 'Restore picked…' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('radio', { name: 'Files' })).toBeChecked();
    expect(within(dialog).getByRole('list', { name: 'Picked paths' })).toHaveTextContent('notes.txtetc/hosts');
    expect(within(dialog).getByTestId('restore-summary')).toHaveTextContent(/written beside each as NAME\.restored-<time>/);
    await user.click(within(dialog).getByRole('switch', { name: /Overwrite existing files/ }));
    expect(within(dialog).getByTestId('restore-summary')).toHaveTextContent(/replaced by the snapshot’s copy/);
    await user.click(within(dialog).getByRole('button', { name: 'Restore files' }));
    expect(await within(dialog).findByText('notes.txt.restored-20260106T000000Z')).toBeInTheDocument();
    expect(requests.find((r) => r.method === 'POST')!.body).toEqual({
      mode: 'files',
      snapshot_id: snap.id,
      paths: ['notes.txt', 'etc/hosts'],
      overwrite: true,
    });
  });

  it('a held snapshot shows "held: pre-restore" and operators release it', async () => {
    const user = userEvent.setup();
    let held: string | undefined = 'pre-restore';
    const { requests } = renderApp(
      backend({
        [`GET /snapshots/${snap.id}`]: () => json(200, { ...snap, held }),
        [`POST /snapshots/${snap.id}/release`]: () => {
          held = undefined;
          return json(200, snap);
        },
      }),
      PAGE,
    );
    expect(await screen.findByTestId('held-badge')).toHaveTextContent('held: pre-restore');
    await user.click(screen.getByRole('button', { name: 'Release' }));
    expect(await screen.findByText(/retention may prune this snapshot again/)).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByTestId('held-badge')).toBeNull());
    expect(requests.some((r) => r.method === 'POST' && r.url.pathname.endsWith('/release'))).toBe(true);
  });
});
