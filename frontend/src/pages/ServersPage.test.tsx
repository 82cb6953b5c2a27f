import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { defaultRoutes, json, page, problem, renderApp } from '../test/fakeApi';
import { discovered, primary, remote, subvolume, viewer } from '../test/fleet';

function routes(extra = {}) {
  return {
    ...defaultRoutes(),
    'GET /servers': () => json(200, page([remote, primary])),
    [`GET /servers/${primary.id}`]: () => json(200, primary),
    [`GET /servers/${primary.id}/subvolumes`]: () =>
      json(200, [
        discovered('/mnt/pool/data/home', { managed_subvolume_id: subvolume.id }),
        discovered('/mnt/pool/data/media'),
        discovered('/mnt/pool/data/odd name', { manageable: false }),
        discovered('/mnt/pool/data/.snapshots/home.20260101T000000Z', { readonly: true }),
      ]),
    ...extra,
  };
}

describe('Servers', () => {
  it('lists servers with role, transport, allowed roots and a link to each', async () => {
    renderApp(routes(), '/servers');
    expect(await screen.findByRole('heading', { name: 'Servers' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId('server-row')).toHaveLength(2));
    const row = screen.getAllByTestId('server-row').find((r) => r.getAttribute('data-server-name') === 'backup-1')!;
    expect(row).toHaveTextContent('remote');
    expect(row).toHaveTextContent('ssh dist@backup-1.lan:2222');
    expect(row).toHaveTextContent('/srv/backups');
    expect(screen.getByRole('link', { name: 'primary' })).toHaveAttribute('href', `/servers/${primary.id}`);
    expect(screen.getByRole('button', { name: 'Add SSH server' })).toBeInTheDocument();
  });

  it('shows each server\'s reachability, last contact and its fullest filesystem\'s usage', async () => {
    const fs = (filesystem: string, used: number) => ({ filesystem, size_bytes: 100 * 2 ** 30, used_bytes: used * 2 ** 30, free_bytes: (100 - used) * 2 ** 30, sampled_at: '2026-01-05T10:00:00Z' });
    renderApp(
      routes({
        'GET /storage': () =>
          json(
            200,
            page([
              { server_id: primary.id, server_name: 'primary', attempted_at: '2026-01-05T10:00:00Z', sampled_at: '2026-01-05T10:00:00Z', collect_qgroups: false, filesystems: [fs('/mnt/pool', 40), fs('/mnt/fast', 91)] },
              { server_id: remote.id, server_name: 'backup-1', attempted_at: '2026-01-05T10:05:00Z', sampled_at: '2026-01-05T09:00:00Z', error: 'connection refused', collect_qgroups: false, filesystems: [fs('/srv', 20)] },
            ]),
          ),
      }),
      '/servers',
    );
    await waitFor(() => expect(screen.getAllByTestId('server-row')).toHaveLength(2));
    const row = (name: string) => screen.getAllByTestId('server-row').find((r) => r.getAttribute('data-server-name') === name)!;
    await waitFor(() => expect(row('primary')).toHaveTextContent('reachable'));
    expect(row('primary')).toHaveTextContent('91% of 100 GiB used (fullest of 2)');
    expect(within(row('primary')).getByTestId('usage-bar')).toHaveAttribute('data-percent', '91.0');
    expect(row('backup-1')).toHaveTextContent('unreachable');
    expect(within(row('backup-1')).getByText('unreachable').closest('[title]')).toHaveAttribute('title', 'connection refused');
    expect(row('backup-1')).toHaveTextContent('last contact');
    expect(row('backup-1')).toHaveTextContent('20% of 100 GiB used');
  });

  it('says a server was not contacted yet rather than reachable', async () => {
    renderApp(routes(), '/servers');
    await waitFor(() => expect(screen.getAllByTestId('server-row')).toHaveLength(2));
    expect(screen.getAllByTestId('server-row')[0]).toHaveTextContent('not contacted yet');
    expect(screen.getAllByTestId('server-row')[0]).not.toHaveTextContent('reachable');
  });

  it('loads the next page of a long list on "Load more", asking for the rows after the cursor', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      routes({
        'GET /servers': (_req: Request, url: URL) =>
          url.searchParams.get('after') === 'cursor-1' ? json(200, page([remote])) : json(200, page([primary], 'cursor-1')),
      }),
      '/servers',
    );
    await waitFor(() => expect(screen.getAllByTestId('server-row')).toHaveLength(1));
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByTestId('server-row')).toHaveLength(2));
    expect(screen.getAllByTestId('server-row').map((r) => r.getAttribute('data-server-name'))).toEqual(['primary', 'backup-1']);
    expect(requests.filter((r) => r.url.pathname.endsWith('/servers')).map((r) => r.url.searchParams.get('after'))).toEqual([null, 'cursor-1']);
    // The last page has no cursor: nothing more to load.
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
  });

  it('shows discovered subvolumes: a link to the managed one, Manage for the others', async () => {
    const user = userEvent.setup();
    renderApp(routes(), `/servers/${primary.id}`);
    expect(await screen.findByRole('heading', { name: 'primary' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId('discovered-row')).toHaveLength(3));
    expect(screen.getByRole('link', { name: 'Open managed subvolume /mnt/pool/data/home' })).toHaveAttribute(
      'href',
      `/subvolumes/${subvolume.id}`,
    );
    expect(screen.getByRole('button', { name: 'Manage /mnt/pool/data/media' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Manage /mnt/pool/data/odd name' })).not.toBeInTheDocument();
    expect(screen.getByText('Cannot be managed')).toBeInTheDocument();
    // read-only ones (snapshots) are hidden until asked for
    expect(screen.getByText('1 read-only subvolume (snapshots) hidden.')).toBeInTheDocument();
    await user.click(screen.getByRole('switch', { name: 'Show read-only (snapshots)' }));
    expect(screen.getAllByTestId('discovered-row')).toHaveLength(4);
  });

  it('manages a subvolume with the default snapshot directory and the CSRF token', async () => {
    const user = userEvent.setup();
    const media = { ...subvolume, id: '44444444-4444-4444-8444-444444444444', name: 'films', path: '/mnt/pool/data/media' };
    const { requests } = renderApp(routes({ 'POST /subvolumes': () => json(201, media) }), `/servers/${primary.id}`);
    await user.click(await screen.findByRole('button', { name: 'Manage /mnt/pool/data/media' }));
    const dialog = await screen.findByRole('dialog', { name: 'Manage subvolume' });
    expect(within(dialog).getByRole('textbox', { name: /Snapshot directory/ })).toHaveValue('/mnt/pool/data/.snapshots');
    await user.type(within(dialog).getByRole('textbox', { name: /Name/ }), 'films');
    await user.click(within(dialog).getByRole('button', { name: 'Manage' }));

    const status = await screen.findByText(/dist-btrfs manages \/mnt\/pool\/data\/media as “films”/);
    expect(within(status).getByRole('link', { name: 'Open it' })).toHaveAttribute('href', `/subvolumes/${media.id}`);
    const post = requests.find((r) => r.method === 'POST' && r.url.pathname === '/api/v1/subvolumes')!;
    expect(post.body).toEqual({
      server_id: primary.id,
      path: '/mnt/pool/data/media',
      snapshot_dir: '/mnt/pool/data/.snapshots',
      name: 'films',
    });
    expect(post.headers.get('X-CSRF-Token')).toBe('csrf-token-1');
  });

  it('shows the problem detail when managing is refused, in the dialog', async () => {
    const user = userEvent.setup();
    renderApp(
      routes({ 'POST /subvolumes': () => problem(400, 'Bad Request', 'snapshot directory /mnt/pool/data/.snapshots does not exist') }),
      `/servers/${primary.id}`,
    );
    await user.click(await screen.findByRole('button', { name: 'Manage /mnt/pool/data/media' }));
    const dialog = await screen.findByRole('dialog', { name: 'Manage subvolume' });
    await user.click(within(dialog).getByRole('button', { name: 'Manage' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent('Could not manage the subvolume');
    expect(alert).toHaveTextContent('snapshot directory /mnt/pool/data/.snapshots does not exist');
  });

  it('shows the problem detail when discovery fails', async () => {
    renderApp(
      routes({ [`GET /servers/${primary.id}/subvolumes`]: () => problem(400, 'Bad Request', '/mnt/pool/data is not inside a mount of the top level') }),
      `/servers/${primary.id}`,
    );
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not list the subvolumes on this server');
    expect(alert).toHaveTextContent('/mnt/pool/data is not inside a mount of the top level');
  });

  it('offers viewers no Manage button', async () => {
    renderApp(routes({ 'GET /auth/me': () => json(200, viewer) }), `/servers/${primary.id}`);
    await waitFor(() => expect(screen.getAllByTestId('discovered-row')).toHaveLength(3));
    expect(screen.queryByRole('button', { name: /^Manage/ })).not.toBeInTheDocument();
    expect(screen.getByText('Not managed')).toBeInTheDocument();
  });
});
