import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { admin, defaultRoutes, json, problem, renderApp, type Handler } from '../test/fakeApi';

/** A fake server with a session: /auth/me is 401 until POST /auth/login succeeds. */
function sessionRoutes(password = 'secret'): Record<string, Handler> {
  let loggedIn = false;
  const guarded = (handler: Handler): Handler => (req, url) =>
    loggedIn ? handler(req, url) : problem(401, 'Unauthorized', 'authentication required: log in or send an API token');
  const base = defaultRoutes();
  return {
    'GET /health': base['GET /health']!,
    'GET /auth/me': guarded(() => json(200, admin)),
    'GET /instance': guarded(base['GET /instance']!),
    'GET /events': guarded(base['GET /events']!),
    'POST /auth/login': async (req) => {
      const body = (await req.json()) as { username: string; password: string };
      if (body.username !== 'admin' || body.password !== password) {
        return problem(401, 'Unauthorized', 'wrong user name or password');
      }
      loggedIn = true;
      return json(200, admin);
    },
    'POST /auth/logout': () => {
      loggedIn = false;
      return new Response(null, { status: 204 });
    },
  };
}

describe('Login', () => {
  it('shows the login page at any address without a session, then that page after logging in', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(sessionRoutes(), '/events');
    expect(await screen.findByRole('heading', { name: 'Log in' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(screen.getByText('Enter your user name.')).toBeInTheDocument();
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0);

    await user.type(screen.getByRole('textbox', { name: 'User name' }), 'admin');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('wrong user name or password');

    await user.clear(screen.getByLabelText('Password'));
    await user.type(screen.getByLabelText('Password'), 'secret');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('heading', { name: 'Events' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId('event-row').length).toBeGreaterThan(0));
    const login = requests.find((r) => r.url.pathname === '/api/v1/auth/login' && r.body && (r.body as { password: string }).password === 'secret');
    expect(login?.body).toEqual({ username: 'admin', password: 'secret' });
  });

  it('logs out from the account menu', async () => {
    const user = userEvent.setup();
    const routes = sessionRoutes();
    const { requests } = renderApp(routes);
    await user.type(await screen.findByRole('textbox', { name: 'User name' }), 'admin');
    await user.type(screen.getByLabelText('Password'), 'secret');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    await user.click(await screen.findByRole('button', { name: 'Account: admin' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Log out' }));
    expect(await screen.findByRole('heading', { name: 'Log in' })).toBeInTheDocument();
    const logout = requests.find((r) => r.url.pathname === '/api/v1/auth/logout');
    expect(logout?.method).toBe('POST');
    expect(logout?.headers.get('X-CSRF-Token')).toBe(admin.csrf_token);
  });

  it('returns to the login page when the session expires', async () => {
    let expired = false;
    const base = defaultRoutes();
    renderApp({
      ...base,
      'GET /auth/me': (req, url) => (expired ? problem(401, 'Unauthorized', 'session expired') : base['GET /auth/me']!(req, url)),
      'GET /events': () => {
        expired = true;
        return problem(401, 'Unauthorized', 'session expired');
      },
    });
    expect(await screen.findByRole('heading', { name: 'Log in' })).toBeInTheDocument();
  });
});
