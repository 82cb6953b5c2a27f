import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { TIMELINE_PAGE_SIZE } from '../api/queries';
import { defaultRoutes, event, json, problem, renderApp } from '../test/fakeApi';

describe('Events', () => {
  it('renders the newest page, then loads older pages via next_before', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      {
        ...defaultRoutes(),
        'GET /events': (_req, url) => {
          const before = url.searchParams.get('before');
          if (before === null) return json(200, { items: [event(5), event(4, 'SnapshotCreated'), event(3)], next_before: 3 });
          if (before === '3') return json(200, { items: [event(2), event(1, 'InstanceInitialized')] });
          return problem(400, 'Bad Request', `unexpected before=${before}`);
        },
      },
      '/events',
    );

    expect(await screen.findByRole('heading', { name: 'Events' })).toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId('event-row')).toHaveLength(3));
    expect(screen.getByText('InstanceRenamed number 5')).toBeInTheDocument();
    expect(screen.getByTestId('events-count')).toHaveTextContent('3 events loaded');

    await user.click(screen.getByRole('button', { name: 'Load older' }));
    await waitFor(() => expect(screen.getAllByTestId('event-row')).toHaveLength(5));
    // newest first, the older page appended below
    expect(screen.getAllByTestId('event-row').map((r) => r.lastElementChild?.textContent)).toEqual(['5', '4', '3', '2', '1']);
    expect(screen.queryByRole('button', { name: 'Load older' })).not.toBeInTheDocument();
    expect(screen.getByText(/beginning of the timeline/i)).toBeInTheDocument();

    const calls = requests.filter((r) => r.url.pathname === '/api/v1/events').map((r) => r.url.searchParams);
    expect(calls.map((q) => q.get('before'))).toEqual([null, '3']);
    expect(calls.every((q) => q.get('limit') === String(TIMELINE_PAGE_SIZE))).toBe(true);
  });

  it('searches on the server: the search goes into the URL and the request, and comes back from a link', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(
      {
        ...defaultRoutes(),
        'GET /events': (_req, url) =>
          url.searchParams.get('q') ? json(200, { items: [event(2, 'SnapshotCreated')] }) : json(200, { items: [event(3), event(2, 'SnapshotCreated')] }),
      },
      '/events',
    );
    await waitFor(() => expect(screen.getAllByTestId('event-row')).toHaveLength(2));
    await user.type(screen.getByRole('textbox', { name: 'Text' }), 'data/home');
    await user.type(screen.getByRole('textbox', { name: 'Event types' }), 'SnapshotCreated{enter}');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(screen.getAllByTestId('event-row')).toHaveLength(1));
    expect(screen.getByTestId('events-count')).toHaveTextContent('1 event loaded matching the search');
    const last = requests.filter((r) => r.url.pathname === '/api/v1/events').at(-1)!;
    expect(last.url.searchParams.get('q')).toBe('kind:SnapshotCreated "data/home"');
    await user.click(screen.getByRole('button', { name: 'Clear the search' }));
    await waitFor(() => expect(screen.getAllByTestId('event-row')).toHaveLength(2));
    expect(screen.getByRole('textbox', { name: 'Text' })).toHaveValue('');
  });

  it('opens with the search of its URL and says when the search is not valid', async () => {
    const { requests } = renderApp(
      {
        ...defaultRoutes(),
        'GET /events': () => json(400, { type: '/problems/validation', title: 'Bad Request', status: 400, detail: 'q: subject:42 is not an id', field: 'q' }),
      },
      '/events?q=subject%3A42%20failed',
    );
    expect(await screen.findByText('The search is not valid')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'About (id)' })).toHaveValue('42');
    expect(screen.getByRole('textbox', { name: 'Text' })).toHaveValue('failed');
    expect(requests.find((r) => r.url.pathname === '/api/v1/events')!.url.searchParams.get('q')).toBe('subject:42 failed');
  });

  it('shows the problem detail when the timeline cannot be loaded', async () => {
    renderApp({ ...defaultRoutes(), 'GET /events': () => problem(400, 'Bad Request', 'limit must be 1-500') }, '/events');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load events');
    expect(alert).toHaveTextContent('limit must be 1-500');
  });
});
