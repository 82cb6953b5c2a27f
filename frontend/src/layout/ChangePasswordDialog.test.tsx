import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { admin, defaultRoutes, json, problem, renderApp } from '../test/fakeApi';

async function openDialog(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'Account: admin' }));
  await user.click(await screen.findByRole('menuitem', { name: 'Change password' }));
  return screen.findByRole('dialog', { name: 'Change password' });
}

describe('Change password', () => {
  it('sends the change and returns to the login page (every session ended)', async () => {
    const user = userEvent.setup();
    let me = 200;
    const { requests } = renderApp({
      ...defaultRoutes(),
      'GET /auth/me': () => (me === 200 ? json(200, admin) : problem(401, 'Unauthorized')),
      'POST /auth/password': () => {
        me = 401;
        return new Response(null, { status: 204 });
      },
    });
    const dialog = await openDialog(user);
    await user.type(within(dialog).getByLabelText(/Current password/), 'the-old-password');
    await user.type(within(dialog).getByLabelText(/^New password/), 'a-brand-new-passphrase');
    await user.type(within(dialog).getByLabelText(/Repeat the new password/), 'a-brand-new-passphrase');
    await user.click(within(dialog).getByRole('checkbox', { name: 'Keep my API tokens' }));
    await user.click(within(dialog).getByRole('button', { name: 'Change password' }));
    await waitFor(() => expect(requests.some((r) => r.method === 'POST' && r.url.pathname.endsWith('/auth/password'))).toBe(true));
    expect(requests.find((r) => r.url.pathname.endsWith('/auth/password'))!.body).toEqual({
      current_password: 'the-old-password',
      new_password: 'a-brand-new-passphrase',
      keep_tokens: true,
    });
    expect(await screen.findByRole('button', { name: /log in/i })).toBeInTheDocument();
  });

  it("shows the server's wrong-password problem next to the current password", async () => {
    const user = userEvent.setup();
    renderApp({
      ...defaultRoutes(),
      'POST /auth/password': () => problem(403, 'Forbidden', 'the current password is wrong', 'current_password'),
    });
    const dialog = await openDialog(user);
    await user.type(within(dialog).getByLabelText(/Current password/), 'not-my-password');
    await user.type(within(dialog).getByLabelText(/^New password/), 'a-brand-new-passphrase');
    await user.type(within(dialog).getByLabelText(/Repeat the new password/), 'a-brand-new-passphrase');
    await user.click(within(dialog).getByRole('button', { name: 'Change password' }));
    await waitFor(() =>
      expect(within(dialog).getByLabelText(/Current password/)).toHaveAccessibleDescription('the current password is wrong'),
    );
    // Not repeated as a general error below the form.
    expect(within(dialog).queryByText('Could not change the password')).not.toBeInTheDocument();
  });

  it('refuses two different new passwords without asking the server', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(defaultRoutes());
    const dialog = await openDialog(user);
    await user.type(within(dialog).getByLabelText(/Current password/), 'the-old-password');
    await user.type(within(dialog).getByLabelText(/^New password/), 'a-brand-new-passphrase');
    await user.type(within(dialog).getByLabelText(/Repeat the new password/), 'a-different-passphrase');
    await user.click(within(dialog).getByRole('button', { name: 'Change password' }));
    expect(await within(dialog).findByText('The two new passwords differ.')).toBeInTheDocument();
    expect(requests.some((r) => r.url.pathname.endsWith('/auth/password'))).toBe(false);
  });
});
