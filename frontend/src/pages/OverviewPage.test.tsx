import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { admin, defaultRoutes, event, instance, json, problem, renderApp } from '../test/fakeApi';

describe('Overview', () => {
  it('shows health, the installation and the 10 newest events', async () => {
    const { requests } = renderApp({
      ...defaultRoutes(),
      'GET /events': () => json(200, { items: Array.from({ length: 10 }, (_, i) => event(20 - i)), next_before: 11 }),
    });
    expect(await screen.findByTestId('health-status')).toHaveTextContent('ok');
    expect(screen.getByTestId('health-database')).toHaveTextContent('reachable');
    expect(await screen.findByText(instance.instance_id)).toBeInTheDocument();
    expect(screen.getByTestId('instance-name')).toHaveTextContent('lab');
    const table = await screen.findByRole('table', { name: 'The 10 newest events' });
    expect(within(table).getAllByTestId('event-row')).toHaveLength(10);
    const eventsCall = requests.find((r) => r.url.pathname === '/api/v1/events');
    expect(eventsCall?.url.searchParams.get('limit')).toBe('10');
  });

  it('shows a degraded health answer (503 with a Health body) as data, not as an error', async () => {
    renderApp({ ...defaultRoutes(), 'GET /health': () => json(503, { status: 'degraded', version: '0.1.0', database: false }) });
    expect(await screen.findByTestId('health-status')).toHaveTextContent('degraded');
    expect(screen.getByTestId('health-database')).toHaveTextContent('not reachable');
  });

  it("shows the problem detail when the installation can't be loaded", async () => {
    renderApp({ ...defaultRoutes(), 'GET /instance': () => problem(503, 'Service Unavailable', 'the installation is not initialised yet') });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load the installation');
    expect(alert).toHaveTextContent('the installation is not initialised yet');
  });
});

describe('Rename form', () => {
  it('validates client-side and sends nothing for an empty or over-long name', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(defaultRoutes());
    const input = await screen.findByRole('textbox', { name: /installation name/i });

    await user.clear(input);
    await user.click(screen.getByRole('button', { name: 'Rename' }));
    expect(await screen.findByText('Enter a name.')).toBeInTheDocument();
    expect(input).toHaveAttribute('aria-invalid', 'true');

    await user.type(input, 'x'.repeat(65));
    await user.click(screen.getByRole('button', { name: 'Rename' }));
    expect(await screen.findByText(/at most 64 characters/i)).toBeInTheDocument();

    expect(requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });

  it('renames through the client and shows the new name in the header', async () => {
    const user = userEvent.setup();
    let current = { ...instance };
    const { requests } = renderApp({
      ...defaultRoutes(),
      'GET /instance': () => json(200, current),
      'PATCH /instance': async (req) => {
        const body = (await req.json()) as { name: string };
        current = { ...current, name: body.name, updated_at: '2026-02-01T00:00:00Z' };
        return json(200, current);
      },
    });
    expect(await screen.findByTestId('header-instance-name')).toHaveTextContent('lab');
    const input = screen.getByRole('textbox', { name: /installation name/i });
    await user.clear(input);
    await user.type(input, '  Backup fleet  ');
    await user.click(screen.getByRole('button', { name: 'Rename' }));

    expect(await screen.findByText('Renamed to “Backup fleet”.')).toBeInTheDocument();
    expect(input).toHaveValue('Backup fleet');
    await waitFor(() => expect(screen.getByTestId('header-instance-name')).toHaveTextContent('Backup fleet'));
    const patch = requests.find((r) => r.method === 'PATCH');
    expect(patch?.url.pathname).toBe('/api/v1/instance');
    expect(patch?.body).toEqual({ name: 'Backup fleet' });
    expect(patch?.headers.get('X-CSRF-Token')).toBe(admin.csrf_token);
    // the rename is an event: the recent-events list is fetched again
    await waitFor(() => expect(requests.filter((r) => r.url.pathname === '/api/v1/events').length).toBeGreaterThan(1));
  });

  it('is offered to admins only', async () => {
    renderApp({ ...defaultRoutes(), 'GET /auth/me': () => json(200, { ...admin, username: 'olga', role: 'operator' }) });
    expect(await screen.findByText('Only admins can rename the installation.')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Rename' })).not.toBeInTheDocument();
  });

  it("shows the server's problem detail on a 4xx", async () => {
    const user = userEvent.setup();
    renderApp({
      ...defaultRoutes(),
      'PATCH /instance': () => problem(409, 'Conflict', 'A concurrent change won; retry.'),
    });
    const input = await screen.findByRole('textbox', { name: /installation name/i });
    await user.clear(input);
    await user.type(input, 'other');
    await user.click(screen.getByRole('button', { name: 'Rename' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Rename failed');
    expect(alert).toHaveTextContent('A concurrent change won; retry.');
    expect(screen.getByTestId('header-instance-name')).toHaveTextContent('lab');
  });
});
