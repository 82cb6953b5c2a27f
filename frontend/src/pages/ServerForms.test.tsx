import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { defaultRoutes, json, page, problem, renderApp } from '../test/fakeApi';
import { operator, primary, remote } from '../test/fleet';

const FPR = 'SHA256:mhCOeNfFJc9N87Ie7flYuLWW2UZ3h4DaaFDReur9+dQ';
const added = { ...remote, id: '99999999-9999-4999-8999-999999999999', name: 'lab-1', host_key_fingerprint: FPR, credential_kind: 'password' };
const okChecks = [
  { name: 'connect', ok: true, detail: 'connected as dbtlab', duration_ms: 12 },
  { name: 'btrfs_version', ok: true, detail: 'btrfs-progs v6.2', duration_ms: 5 },
];

function routes(extra = {}) {
  return {
    ...defaultRoutes(),
    'GET /servers': () => json(200, page([remote, primary])),
    [`GET /servers/${remote.id}`]: () => json(200, remote),
    [`GET /servers/${remote.id}/subvolumes`]: () => json(200, []),
    'POST /servers/probe-host-key': () => json(200, { fingerprint: FPR }),
    'POST /servers': () => json(201, added),
    [`POST /servers/${added.id}/test`]: () => json(200, okChecks),
    ...extra,
  };
}

async function fillForm(user: ReturnType<typeof userEvent.setup>, dialog: HTMLElement) {
  const box = (name: RegExp) => within(dialog).getByRole('textbox', { name });
  await user.type(box(/^Name/), 'lab-1');
  await user.type(box(/^Address/), '127.0.0.11');
  const port = within(dialog).getByRole('textbox', { name: /^Port/ });
  await user.clear(port);
  await user.type(port, '2222');
  await user.type(box(/^SSH user/), 'dbtlab');
  await user.type(box(/^Allowed roots/), '/srv/dist-btrfs');
  await user.type(within(dialog).getByLabelText(/^SSH password/), 'lab-password');
}

describe('Adding an SSH server', () => {
  it('shows the host key to confirm, registers pinned to it, then shows the check results', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(routes(), '/servers');
    await user.click(await screen.findByRole('button', { name: 'Add SSH server' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add SSH server' });
    await fillForm(user, dialog);
    const add = within(dialog).getByRole('button', { name: 'Add server' });
    expect(add).toBeDisabled(); // no fingerprint seen yet

    await user.click(within(dialog).getByRole('button', { name: 'Check host key' }));
    expect(await within(dialog).findByTestId('probed-fingerprint')).toHaveTextContent(FPR);
    expect(add).toBeDisabled(); // not confirmed yet
    await user.click(within(dialog).getByRole('checkbox', { name: /I checked this fingerprint/ }));
    await user.click(add);

    expect(await within(dialog).findByText('Server added')).toBeInTheDocument();
    const checks = await within(dialog).findByRole('list', { name: 'Check results' });
    expect(within(checks).getAllByTestId('check')).toHaveLength(2);
    expect(checks).toHaveTextContent('connected as dbtlab');

    const probe = requests.find((r) => r.url.pathname.endsWith('/servers/probe-host-key'))!;
    expect(probe.body).toEqual({ address: '127.0.0.11', port: 2222 });
    const post = requests.find((r) => r.method === 'POST' && r.url.pathname === '/api/v1/servers')!;
    expect(post.body).toMatchObject({
      name: 'lab-1',
      address: '127.0.0.11',
      port: 2222,
      username: 'dbtlab',
      password: 'lab-password',
      role: 'remote',
      sudo: true,
      allowed_roots: ['/srv/dist-btrfs'],
      host_key_fingerprint: FPR,
      force: false,
    });
    expect(post.headers.get('X-CSRF-Token')).toBe('csrf-token-1');
    // the secret is not shown anywhere after saving
    expect(dialog).not.toHaveTextContent('lab-password');
  });

  it('shows client-side validation next to each field and sends nothing', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(routes(), '/servers');
    await user.click(await screen.findByRole('button', { name: 'Add SSH server' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add SSH server' });
    await user.type(within(dialog).getByRole('textbox', { name: /^Allowed roots/ }), 'srv/relative');
    await user.click(within(dialog).getByRole('button', { name: 'Check host key' }));
    expect(await within(dialog).findByText('Enter a host name or IP address.')).toBeInTheDocument();
    expect(within(dialog).getByText('Every root must be an absolute path.')).toBeInTheDocument();
    expect(within(dialog).getByText('Enter the password.')).toBeInTheDocument();
    expect(requests.some((r) => r.method === 'POST')).toBe(false);
  });

  it('shows failed checks (422) and a field problem (400) where they belong', async () => {
    const user = userEvent.setup();
    let answer = 0;
    renderApp(
      routes({
        'POST /servers': () =>
          ++answer === 1
            ? json(422, {
                type: '/problems/checks-failed',
                title: 'the server failed its checks',
                status: 422,
                detail: 'root_on_btrfs:/srv/x: not btrfs',
                checks: [okChecks[0], { name: 'root_on_btrfs:/srv/x', ok: false, detail: 'not btrfs', duration_ms: 3 }],
              })
            : problem(409, 'Conflict', 'name: a server named "lab-1" already exists'),
      }),
      '/servers',
    );
    await user.click(await screen.findByRole('button', { name: 'Add SSH server' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add SSH server' });
    await fillForm(user, dialog);
    await user.click(within(dialog).getByRole('button', { name: 'Check host key' }));
    await user.click(await within(dialog).findByRole('checkbox', { name: /I checked this fingerprint/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Add server' }));

    const failed = await within(dialog).findByRole('list', { name: 'Failed check results' });
    expect(failed).toHaveTextContent('root_on_btrfs:/srv/x — not btrfs');
    expect(within(failed).getAllByTestId('check').find((c) => c.dataset.ok === 'false')).toBeDefined();
    await user.click(within(dialog).getByRole('checkbox', { name: 'Add it anyway (force)' }));
    await user.click(within(dialog).getByRole('button', { name: 'Add server' }));
    // the 409 names the field: shown under Name, not as a general alert
    await waitFor(() => expect(within(dialog).getByRole('textbox', { name: /^Name/ })).toHaveAccessibleDescription(/already exists/));
  });

  it('offers operators and viewers no add, edit or remove', async () => {
    renderApp(routes({ 'GET /auth/me': () => json(200, operator) }), '/servers');
    await waitFor(() => expect(screen.getAllByTestId('server-row')).toHaveLength(2));
    expect(screen.queryByRole('button', { name: 'Add SSH server' })).not.toBeInTheDocument();
  });
});

describe('Changing an SSH server', () => {
  it('edits without echoing secrets and sends only what changed', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(routes({ [`PATCH /servers/${remote.id}`]: () => json(200, { ...remote, sudo: false }) }), `/servers/${remote.id}`);
    expect(await screen.findByText(remote.host_key_fingerprint!)).toBeInTheDocument();
    await user.click(await screen.findByRole('button', { name: 'Edit…' }));
    const dialog = await screen.findByRole('dialog', { name: `Edit ${remote.name}` });
    expect(within(dialog).getByRole('textbox', { name: /^Address/ })).toHaveValue('backup-1.lan');
    expect(within(dialog).getByRole('textbox', { name: /^Private key/ })).toHaveValue('');
    await user.click(within(dialog).getByRole('switch', { name: /sudo/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PATCH')).toBe(true));
    expect(requests.find((r) => r.method === 'PATCH')!.body).toEqual({ sudo: false });
  });

  it('tests the connection and removes the server after confirmation', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      routes({
        [`POST /servers/${remote.id}/test`]: () => json(200, [{ name: 'connect', ok: false, detail: 'host key mismatch', duration_ms: 4 }]),
        [`DELETE /servers/${remote.id}`]: () => new Response(null, { status: 204 }),
      }),
      `/servers/${remote.id}`,
    );
    await user.click(await screen.findByRole('button', { name: 'Test connection' }));
    expect(await screen.findByRole('list', { name: 'Check results' })).toHaveTextContent('connect — host key mismatch');
    await user.click(screen.getByRole('button', { name: 'Remove…' }));
    const dialog = await screen.findByRole('dialog', { name: `Remove ${remote.name}?` });
    await user.click(within(dialog).getByRole('button', { name: 'Remove server' }));
    expect(await screen.findByRole('heading', { name: 'Servers' })).toBeInTheDocument();
    expect(requests.some((r) => r.method === 'DELETE' && r.url.pathname.endsWith(remote.id))).toBe(true);
  });
});
