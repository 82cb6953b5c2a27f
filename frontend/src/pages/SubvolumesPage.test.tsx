import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../api/client';
import { SNAPSHOT_PAGE_SIZE } from '../api/queries';
import { userTimeZone } from '../lib/format';
import { defaultRoutes, type Handler, json, page, problem, renderApp } from '../test/fakeApi';
import { SUBVOLUME_ID, primary, snapshot, subvolume, viewer } from '../test/fleet';

/** A fake backend whose snapshot list changes as the UI creates, deletes and adopts. */
function backend(initial: Snapshot[], extra: Record<string, Handler> = {}) {
  let snapshots = [...initial];
  const routes: Record<string, Handler> = {
    ...defaultRoutes(),
    'GET /servers': () => json(200, page([primary])),
    'GET /subvolumes': () => json(200, page([subvolume, { ...subvolume, id: 'x-2', name: 'srv', path: '/mnt/pool/data/srv', last_snapshot_error: 'btrfs: No space left on device' }])),
    [`GET /subvolumes/${SUBVOLUME_ID}`]: () => json(200, subvolume),
    [`GET /subvolumes/${SUBVOLUME_ID}/snapshots`]: (_req, url) => {
      // the fake's cursor is the last row's id (the real one is opaque)
      const limit = Number(url.searchParams.get('limit'));
      const after = url.searchParams.get('after');
      const gone = url.searchParams.get('include_gone') === 'true';
      const matching = snapshots.filter((s) => gone || s.state === 'present');
      const start = after === null ? 0 : matching.findIndex((s) => s.id === after) + 1;
      const items = matching.slice(start, start + limit);
      const more = start + limit < matching.length;
      return json(200, { items, next_after: more ? items[items.length - 1]!.id : null });
    },
    [`POST /subvolumes/${SUBVOLUME_ID}/snapshots`]: () => {
      const made = snapshot(9);
      snapshots = [made, ...snapshots];
      return json(201, made);
    },
    ...extra,
  };
  for (const s of initial) {
    routes[`DELETE /snapshots/${s.id}`] ??= () => {
      snapshots = snapshots.map((x) => (x.id === s.id ? { ...x, state: 'deleted' } : x));
      return json(200, { ...s, state: 'deleted' });
    };
    routes[`POST /snapshots/${s.id}/adopt`] ??= () => {
      snapshots = snapshots.map((x) => (x.id === s.id ? { ...x, managed: true } : x));
      return json(200, { ...s, managed: true });
    };
  }
  return routes;
}

const rows = () => screen.getAllByTestId('snapshot-row');
const rowNamed = (name: string) => rows().find((r) => r.getAttribute('data-name') === name)!;

describe('Subvolumes', () => {
  it('lists managed subvolumes with server, path, snapshot directory and last error', async () => {
    renderApp(backend([]), '/subvolumes');
    expect(await screen.findByRole('heading', { name: 'Subvolumes' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId('subvolume-row')).toHaveLength(2));
    const home = screen.getAllByTestId('subvolume-row')[0]!;
    expect(within(home).getByRole('link', { name: 'home' })).toHaveAttribute('href', `/subvolumes/${SUBVOLUME_ID}`);
    await waitFor(() => expect(within(home).getByRole('link', { name: 'primary' })).toBeInTheDocument());
    expect(home).toHaveTextContent('/mnt/pool/data/home');
    expect(home).toHaveTextContent('/mnt/pool/data/.snapshots');
    expect(screen.getAllByTestId('subvolume-row')[1]).toHaveTextContent('btrfs: No space left on device');
  });

  it('names its policy and when the next scheduled snapshot is, in the user\'s time zone', async () => {
    const policy = {
      id: 'p-1', name: 'hourly-home', schedule: { cron: '0 * * * *', time_zone: 'Europe/Berlin' },
      retention: { keep_last: 3 }, replicate_after_snapshot: true, subvolumes: [SUBVOLUME_ID],
      next_snapshot_at: '2026-01-05T01:00:00Z', created_at: '2026-01-05T00:00:00Z', updated_at: '2026-01-05T00:00:00Z',
    };
    renderApp(backend([], { 'GET /policies': () => json(200, page([policy])) }), `/subvolumes/${SUBVOLUME_ID}`);
    expect(await screen.findByRole('link', { name: 'hourly-home' })).toHaveAttribute('href', '/policies/p-1');
    const next = screen.getByTestId('next-snapshot');
    expect(next).toHaveAttribute('title', '2026-01-05T01:00:00Z');
    expect(next).toHaveTextContent(`(${userTimeZone()}), then prune and replicate`);
  });

  it('shows snapshots newest first with short uuid and managed/unmanaged badges', async () => {
    renderApp(backend([snapshot(3), snapshot(2, { managed: false, origin: 'discovered' }), snapshot(1)]), `/subvolumes/${SUBVOLUME_ID}`);
    expect(await screen.findByRole('heading', { name: 'home' })).toBeInTheDocument();
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows().map((r) => r.getAttribute('data-name'))).toEqual([snapshot(3).name, snapshot(2).name, snapshot(1).name]);
    expect(within(rowNamed(snapshot(3).name)).getByText('c0000003')).toHaveAttribute('title', snapshot(3).uuid);
    expect(within(rowNamed(snapshot(2).name)).getByText('unmanaged')).toBeInTheDocument();
    expect(within(rowNamed(snapshot(1).name)).getByText('managed')).toBeInTheDocument();
    expect(screen.getByTestId('snapshots-count')).toHaveTextContent('Snapshots 1–3, newest first');
  });

  it('shows each snapshot\'s exclusive size, or that quotas are off: never 0 B for unknown', async () => {
    renderApp(backend([snapshot(2, { size_bytes: 5 * 1024 * 1024 }), snapshot(1, { size_bytes: null })]), `/subvolumes/${SUBVOLUME_ID}`);
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rowNamed(snapshot(2).name)).toHaveTextContent('5.00 MiB');
    expect(rowNamed(snapshot(1).name)).toHaveTextContent('unknown – quotas off');
    expect(rowNamed(snapshot(1).name)).not.toHaveTextContent('0 B');
  });

  it('creates a snapshot through POST /subvolumes/{id}/snapshots with the CSRF token', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(backend([snapshot(1)]), `/subvolumes/${SUBVOLUME_ID}`);
    await waitFor(() => expect(rows()).toHaveLength(1));
    await user.click(screen.getByRole('button', { name: 'Create snapshot' }));
    expect(await screen.findByText(/Created snapshot/)).toHaveTextContent(`Created snapshot ${snapshot(9).name}.`);
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows()[0]).toHaveAttribute('data-name', snapshot(9).name);
    const post = requests.find((r) => r.method === 'POST')!;
    expect(post.url.pathname).toBe(`/api/v1/subvolumes/${SUBVOLUME_ID}/snapshots`);
    expect(post.headers.get('X-CSRF-Token')).toBe('csrf-token-1');
  });

  it('asks before deleting, and deletes only after confirming', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(backend([snapshot(2), snapshot(1)]), `/subvolumes/${SUBVOLUME_ID}`);
    await waitFor(() => expect(rows()).toHaveLength(2));

    await user.click(screen.getByRole('button', { name: `Delete ${snapshot(2).name}` }));
    let dialog = await screen.findByRole('dialog', { name: 'Delete this snapshot?' });
    expect(dialog).toHaveTextContent(`${snapshot(2).path} will be deleted from the disk of primary. This cannot be undone.`);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(requests.some((r) => r.method === 'DELETE')).toBe(false);

    await user.click(screen.getByRole('button', { name: `Delete ${snapshot(2).name}` }));
    dialog = await screen.findByRole('dialog', { name: 'Delete this snapshot?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete snapshot' }));
    await waitFor(() => expect(rows()).toHaveLength(1));
    const del = requests.find((r) => r.method === 'DELETE')!;
    expect(del.url.pathname).toBe(`/api/v1/snapshots/${snapshot(2).id}`);
    expect(del.url.searchParams.get('subvolume_id')).toBe(SUBVOLUME_ID);
    expect(del.headers.get('X-CSRF-Token')).toBe('csrf-token-1');
  });

  it('shows the problem detail in the dialog when a delete fails', async () => {
    const user = userEvent.setup();
    renderApp(
      backend([snapshot(1)], {
        [`DELETE /snapshots/${snapshot(1).id}`]: () => problem(502, 'Bad Gateway', 'btrfs subvolume delete: Operation not permitted'),
      }),
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    await user.click(await screen.findByRole('button', { name: `Delete ${snapshot(1).name}` }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete this snapshot?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete snapshot' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent('Could not delete the snapshot');
    expect(alert).toHaveTextContent('btrfs subvolume delete: Operation not permitted');
  });

  it('offers Adopt instead of Delete for unmanaged snapshots', async () => {
    const user = userEvent.setup();
    const foreign = snapshot(1, { managed: false, origin: 'discovered' });
    const { requests } = renderApp(backend([foreign]), `/subvolumes/${SUBVOLUME_ID}`);
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(screen.queryByRole('button', { name: `Delete ${foreign.name}` })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: `Adopt ${foreign.name}` }));
    expect(await screen.findByRole('button', { name: `Delete ${foreign.name}` })).toBeInTheDocument();
    const adopt = requests.find((r) => r.method === 'POST')!;
    expect(adopt.url.pathname).toBe(`/api/v1/snapshots/${foreign.id}/adopt`);
    expect(adopt.headers.get('X-CSRF-Token')).toBe('csrf-token-1');
  });

  it('shows viewers no change buttons', async () => {
    renderApp(
      { ...backend([snapshot(2), snapshot(1, { managed: false })]), 'GET /auth/me': () => json(200, viewer) },
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    await waitFor(() => expect(rows()).toHaveLength(2));
    for (const name of ['Create snapshot', 'Sync with disk', 'Stop managing', /^Delete/, /^Adopt/]) {
      expect(screen.queryByRole('button', { name })).not.toBeInTheDocument();
    }
  });

  it('shows the problem detail when creating a snapshot fails', async () => {
    const user = userEvent.setup();
    renderApp(
      backend([], {
        [`POST /subvolumes/${SUBVOLUME_ID}/snapshots`]: () => problem(502, 'Bad Gateway', 'btrfs subvolume snapshot: No space left on device'),
      }),
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    await user.click(await screen.findByRole('button', { name: 'Create snapshot' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not create a snapshot');
    expect(alert).toHaveTextContent('btrfs subvolume snapshot: No space left on device');
  });

  it('pages through snapshots with a cursor, forward and back', async () => {
    const user = userEvent.setup();
    const many = Array.from({ length: SNAPSHOT_PAGE_SIZE + 5 }, (_, i) => ({
      ...snapshot(1),
      id: `${String(i).padStart(8, '0')}-5555-4555-8555-555555555555`,
      name: `home.${String(100 - i)}`,
    }));
    const { requests } = renderApp(backend(many), `/subvolumes/${SUBVOLUME_ID}`);
    await waitFor(() => expect(rows()).toHaveLength(SNAPSHOT_PAGE_SIZE));
    expect(screen.getByTestId('snapshots-count')).toHaveTextContent(`Snapshots 1–${SNAPSHOT_PAGE_SIZE}, newest first`);
    expect(screen.getByRole('button', { name: 'Previous page' })).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Next page' }));
    await waitFor(() => expect(rows()).toHaveLength(5));
    expect(rows()[0]).toHaveAttribute('data-name', `home.${100 - SNAPSHOT_PAGE_SIZE}`);
    expect(screen.getByTestId('snapshots-count')).toHaveTextContent(`Snapshots ${SNAPSHOT_PAGE_SIZE + 1}–${SNAPSHOT_PAGE_SIZE + 5}, newest first`);
    expect(screen.getByText('Page 2')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Next page' })).toBeDisabled();
    // the second page is read after the first page's last row
    const afters = requests.filter((r) => r.url.pathname.endsWith('/snapshots')).map((r) => r.url.searchParams.get('after'));
    expect(afters).toEqual([null, many[SNAPSHOT_PAGE_SIZE - 1]!.id]);
    await user.click(screen.getByRole('button', { name: 'Previous page' }));
    await waitFor(() => expect(rows()).toHaveLength(SNAPSHOT_PAGE_SIZE));
    expect(rows()[0]).toHaveAttribute('data-name', 'home.100');
  });

  it('syncs with the disk and reports what changed', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      backend([snapshot(1)], {
        [`POST /subvolumes/${SUBVOLUME_ID}/sync`]: () => json(200, { vanished: ['a'], discovered: ['b', 'c'] }),
      }),
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    await user.click(await screen.findByRole('button', { name: 'Sync with disk' }));
    expect(await screen.findByText('1 snapshot found gone, 2 found on disk and catalogued as unmanaged.')).toBeInTheDocument();
    expect(requests.find((r) => r.method === 'POST')!.url.pathname).toBe(`/api/v1/subvolumes/${SUBVOLUME_ID}/sync`);
  });

  it('stops managing after a confirmation that says no data is touched', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      backend([], {
        [`DELETE /subvolumes/${SUBVOLUME_ID}`]: () => json(200, { ...subvolume, managed: false, unmanaged_at: '2026-02-01T00:00:00Z' }),
      }),
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    await user.click(await screen.findByRole('button', { name: 'Stop managing' }));
    const dialog = await screen.findByRole('dialog', { name: 'Stop managing this subvolume?' });
    expect(dialog).toHaveTextContent('No data is touched');
    await user.click(within(dialog).getByRole('button', { name: 'Stop managing' }));
    expect(await screen.findByRole('heading', { name: 'Subvolumes' })).toBeInTheDocument();
    expect(requests.find((r) => r.method === 'DELETE')!.url.pathname).toBe(`/api/v1/subvolumes/${SUBVOLUME_ID}`);
  });
});
