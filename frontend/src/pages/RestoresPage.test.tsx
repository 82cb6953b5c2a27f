import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { defaultRoutes, type Handler, json, page, renderApp } from '../test/fakeApi';
import { SUBVOLUME_ID, snapshot, subvolume, viewer } from '../test/fleet';
import { restore, target } from '../test/restore';

const done = restore({ state: 'succeeded', result_path: '/mnt/pool/data/copy', requested_by: 'user:otto' });
const failed = restore({
  id: '99999999-9999-4999-8999-999999999999',
  mode: 'rollback',
  snapshot_id: snapshot(2).id,
  state: 'failed',
  error: 'btrfs: Device or resource busy',
  requested_at: '2026-01-05T00:00:00Z',
});
const older = restore({ id: 'aaaaaaaa-9999-4999-8999-999999999999', mode: 'files', state: 'succeeded', files_copied: 3, kept_beside: ['a.restored-x'] });

function backend(extra: Record<string, Handler> = {}): Record<string, Handler> {
  return {
    ...defaultRoutes(),
    'GET /auth/me': () => json(200, viewer),
    'GET /subvolumes': () => json(200, page([subvolume])),
    [`GET /snapshots/${snapshot(1).id}`]: () => json(200, snapshot(1)),
    [`GET /snapshots/${snapshot(2).id}`]: () => json(200, snapshot(2)),
    'GET /restores': (_req, url) =>
      url.searchParams.get('before') === 'cursor-1'
        ? json(200, { items: [older] })
        : json(200, { items: [done, failed], next_before: 'cursor-1' }),
    ...extra,
  };
}

const rows = () => screen.getAllByTestId('restore-row');

describe('Restores page', () => {
  it('viewers see mode, snapshot, state, result and who asked, newest first', async () => {
    renderApp(backend(), '/restores');
    expect(await screen.findByRole('heading', { name: 'Restores' })).toBeInTheDocument();
    await waitFor(() => expect(rows()).toHaveLength(2));
    const [first, second] = rows();
    expect(first).toHaveAttribute('data-state', 'succeeded');
    expect(first).toHaveTextContent('New subvolume');
    expect(first).toHaveTextContent('/mnt/pool/data/copy');
    expect(first).toHaveTextContent('user:otto');
    expect(await within(first!).findByRole('link', { name: snapshot(1).name })).toHaveAttribute(
      'href',
      `/subvolumes/${SUBVOLUME_ID}/snapshots/${snapshot(1).id}`,
    );
    expect(second).toHaveTextContent('Rollback');
    expect(second).toHaveTextContent('failed');
    expect(second).toHaveTextContent('btrfs: Device or resource busy');
  });

  it('loads older restores through next_before and filters by subvolume', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(backend(), '/restores');
    await waitFor(() => expect(rows()).toHaveLength(2));
    await user.click(screen.getByRole('button', { name: 'Load older' }));
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows()[2]).toHaveTextContent('3 files copied, 1 written beside an existing file');
    expect(screen.queryByRole('button', { name: 'Load older' })).toBeNull();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Subvolume' }), SUBVOLUME_ID);
    await waitFor(() => expect(requests.some((r) => r.url.searchParams.get('subvolume_id') === SUBVOLUME_ID)).toBe(true));
  });

  it('says the modes from a replica: bringing a snapshot back (bytes and rate while it runs) and a verification', async () => {
    const back = restore({ mode: 'snapshot', state: 'running', bytes: 2097152, rate_bytes_per_sec: 1048576, replica_target_id: target.id });
    const verify = restore({ id: 'bbbbbbbb-9999-4999-8999-999999999999', mode: 'verify', state: 'succeeded', sample_percent: 10, replica_target_id: target.id });
    renderApp(backend({ 'GET /restores': () => json(200, { items: [back, verify] }) }), '/restores');
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows()[0]).toHaveTextContent('Snapshot back');
    expect(rows()[0]).toHaveTextContent('2.00 MiB so far at 1.00 MiB/s');
    expect(rows()[1]).toHaveTextContent('Verify a replica');
    expect(within(rows()[1]!).getByRole('link', { name: 'checked (10% sample): see the replica' })).toHaveAttribute(
      'href',
      `/replication/targets/${target.id}`,
    );
  });

  it('is in the sidebar', async () => {
    renderApp(backend(), '/');
    const nav = await screen.findByRole('navigation', { name: 'Main navigation' });
    expect(within(nav).getByRole('link', { name: 'Restores' })).toHaveAttribute('href', '/restores');
  });
});
