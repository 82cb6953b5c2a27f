import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Token, User } from '../api/accountQueries';
import { admin, defaultRoutes, json, problem, renderApp } from '../test/fakeApi';
import { operator, viewer } from '../test/fleet';

const users: User[] = [
  { user_id: admin.user_id, username: 'admin', role: 'admin', created_at: '2026-01-01T00:00:00Z' },
  { user_id: viewer.user_id, username: 'vera', role: 'viewer', created_at: '2026-01-02T00:00:00Z' },
];
const tokens: Token[] = [
  { token_id: '77777777-7777-4777-8777-777777777777', name: 'grafana', username: 'admin', role: 'viewer', created_at: '2026-01-03T00:00:00Z' },
  { token_id: '88888888-8888-4888-8888-888888888888', name: 'old', username: 'admin', role: 'admin', created_at: '2026-01-01T00:00:00Z', revoked_at: '2026-01-02T00:00:00Z' },
];

function routes(extra = {}) {
  return { ...defaultRoutes(), 'GET /users': () => json(200, users), 'GET /tokens': () => json(200, tokens), ...extra };
}

describe('Users', () => {
  it('lists users; changes a role, resets a password and deletes after confirmation', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      routes({
        [`PATCH /users/${viewer.user_id}`]: () => json(200, { ...users[1], role: 'operator' }),
        [`DELETE /users/${viewer.user_id}`]: () => new Response(null, { status: 204 }),
      }),
      '/users',
    );
    await waitFor(() => expect(screen.getAllByTestId('user-row')).toHaveLength(2));
    // no role change or delete for yourself
    expect(screen.queryByRole('combobox', { name: 'Role of admin' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete admin' })).not.toBeInTheDocument();

    await user.selectOptions(screen.getByRole('combobox', { name: 'Role of vera' }), 'operator');
    // Asked first, saying what the role allows; nothing is sent before confirming.
    const asked = await screen.findByRole('dialog', { name: 'Make vera operator?' });
    expect(asked).toHaveTextContent('vera is viewer now. As operator they can snapshot, replicate, restore');
    expect(requests.some((r) => r.method === 'PATCH')).toBe(false);
    await user.click(within(asked).getByRole('button', { name: 'Change role' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'PATCH')).toBe(true));
    expect(requests.find((r) => r.method === 'PATCH')!.body).toEqual({ role: 'operator' });

    await user.click(screen.getByRole('button', { name: 'Reset password of vera' }));
    const reset = await screen.findByRole('dialog', { name: 'Reset password of vera' });
    await user.type(within(reset).getByLabelText(/New password/), 'short');
    await user.click(within(reset).getByRole('button', { name: 'Set password' }));
    expect(await within(reset).findByText('At least 12 characters.')).toBeInTheDocument();
    await user.type(within(reset).getByLabelText(/New password/), '-but-longer');
    await user.click(within(reset).getByRole('button', { name: 'Set password' }));
    await waitFor(() => expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(2));
    expect(requests.filter((r) => r.method === 'PATCH')[1]!.body).toEqual({ password: 'short-but-longer', keep_tokens: false });

    await user.click(screen.getByRole('button', { name: 'Delete vera' }));
    const confirm = await screen.findByRole('dialog', { name: 'Delete vera?' });
    await user.click(within(confirm).getByRole('button', { name: 'Delete user' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'DELETE')).toBe(true));
  });

  it('shows the server problem for the user name next to the field', async () => {
    const user = userEvent.setup();
    renderApp(routes({ 'POST /users': () => problem(409, 'Conflict', 'username: vera is taken') }), '/users');
    await user.click(await screen.findByRole('button', { name: 'New user' }));
    const dialog = await screen.findByRole('dialog', { name: 'New user' });
    await user.type(within(dialog).getByRole('textbox', { name: /User name/ }), 'vera');
    await user.type(within(dialog).getByLabelText(/^Password/), 'long-enough-pw');
    await user.click(within(dialog).getByRole('button', { name: 'Create user' }));
    await waitFor(() => expect(within(dialog).getByRole('textbox', { name: /User name/ })).toHaveAccessibleDescription('username: vera is taken'));
  });

  it('tells non-admins that only admins manage users (and does not ask the API)', async () => {
    const { requests } = renderApp(routes({ 'GET /auth/me': () => json(200, operator) }), '/users');
    expect(await screen.findByText(/Only admins manage user accounts/)).toBeInTheDocument();
    expect(requests.some((r) => r.url.pathname.endsWith('/users'))).toBe(false);
  });
});

describe('API tokens', () => {
  it('creates a token and shows its secret once with a copy button, then revokes one', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      routes({
        'POST /tokens': () => json(201, { token_id: '99999999-0000-4000-8000-000000000009', name: 'backup-script', role: 'operator', token: 'dbt_secret-shown-once' }),
        [`DELETE /tokens/${tokens[0]!.token_id}`]: () => new Response(null, { status: 204 }),
      }),
      '/tokens',
    );
    await waitFor(() => expect(screen.getAllByTestId('token-row')).toHaveLength(2));
    expect(screen.getAllByTestId('token-row')[1]).toHaveTextContent('revoked');
    expect(screen.queryByRole('button', { name: 'Revoke old' })).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'New token' }));
    const dialog = await screen.findByRole('dialog', { name: 'New API token' });
    await user.click(within(dialog).getByRole('button', { name: 'Create token' }));
    expect(await within(dialog).findByText('Say what it is for, e.g. grafana.')).toBeInTheDocument();
    await user.type(within(dialog).getByRole('textbox', { name: /^Name/ }), 'backup-script');
    await user.type(within(dialog).getByRole('textbox', { name: /Expires after/ }), '30');
    await user.click(within(dialog).getByRole('button', { name: 'Create token' }));

    expect(await screen.findByTestId('issued-token')).toHaveTextContent('dbt_secret-shown-once');
    expect(screen.getByTestId('token-curl')).toHaveTextContent(
      `curl -H 'Authorization: Bearer dbt_secret-shown-once' ${window.location.origin}/api/v1/status`,
    );
    expect(screen.getByRole('button', { name: 'Copy' })).toBeInTheDocument();
    expect(requests.find((r) => r.method === 'POST')!.body).toEqual({ name: 'backup-script', role: 'admin', expires_in_days: 30 });
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('issued-token')).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Revoke grafana' }));
    const confirm = await screen.findByRole('dialog', { name: 'Revoke grafana?' });
    await user.click(within(confirm).getByRole('button', { name: 'Revoke token' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'DELETE')).toBe(true));
  });

  it('lets viewers list but not create or revoke', async () => {
    renderApp(routes({ 'GET /auth/me': () => json(200, viewer) }), '/tokens');
    await waitFor(() => expect(screen.getAllByTestId('token-row')).toHaveLength(2));
    expect(screen.queryByRole('button', { name: 'New token' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /Revoke/ })).not.toBeInTheDocument();
  });
});
