import { MantineProvider } from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ServerStorage, StorageSample } from '../api/storage';
import { formatBytes } from '../lib/bytes';
import { createQueryClient } from '../App';
import { ApiProvider } from '../api/context';
import { theme } from '../theme';
import { admin, defaultRoutes, fakeBackend, type Handler, json, page, problem, renderApp } from '../test/fakeApi';
import { StorageCard, chartRows } from './StorageCard';

const GiB = 1024 ** 3;
const serverId = '3f1e2d4c-5b6a-4798-8a9b-0c1d2e3f4a5b';

function entry(overrides: Partial<ServerStorage> = {}): ServerStorage {
  return {
    server_id: serverId,
    server_name: 'primary',
    collect_qgroups: false,
    sampled_at: '2026-11-26T12:00:00Z',
    attempted_at: '2026-11-26T12:00:00Z',
    filesystems: [
      {
        filesystem: '/mnt/pool',
        size_bytes: 4 * GiB,
        used_bytes: 1 * GiB,
        free_bytes: 3 * GiB,
        data: { size_bytes: 2 * GiB, used_bytes: GiB },
        metadata: { size_bytes: 256 * 1024 ** 2, used_bytes: 1024 ** 2 },
        system: { size_bytes: 8 * 1024 ** 2, used_bytes: 16 * 1024 },
      },
    ],
    ...overrides,
  };
}

const history: StorageSample[] = [
  { sampled_at: '2026-11-26T11:55:00Z', filesystem: '/mnt/pool', size_bytes: 4 * GiB, used_bytes: 0.5 * GiB, free_bytes: 3.5 * GiB },
  { sampled_at: '2026-11-26T12:00:00Z', filesystem: '/mnt/pool', size_bytes: 4 * GiB, used_bytes: 1 * GiB, free_bytes: 3 * GiB },
];

function routes(storage: () => Response) {
  return {
    ...defaultRoutes(),
    'GET /storage': storage,
    [`GET /servers/${serverId}/storage/history`]: () => json(200, history),
  };
}

describe('StorageCard', () => {
  it('shows used, size and free of each filesystem on the Overview', async () => {
    renderApp(routes(() => json(200, page([entry()]))));
    const card = await screen.findByTestId('storage-card');
    expect(within(card).getByRole('heading', { name: 'Storage · primary' })).toBeInTheDocument();
    expect(await within(card).findByTestId('storage-used')).toHaveTextContent('1.00 GiB used of 4.00 GiB');
    expect(within(card).getByTestId('storage-free')).toHaveTextContent('3.00 GiB free (estimated)');
    expect(within(card).getByRole('progressbar', { name: 'Used space on /mnt/pool: 25%' })).toBeInTheDocument();
    expect(within(card).queryByRole('alert')).toBeNull();
  });

  it('says when nothing was collected yet', async () => {
    renderApp(routes(() => json(200, page([entry({ filesystems: [], sampled_at: undefined, attempted_at: undefined })]))));
    const card = await screen.findByTestId('storage-card');
    expect(within(card).getByTestId('storage-empty')).toHaveTextContent('No storage figures yet');
    expect(within(card).queryByTestId('storage-filesystem')).toBeNull();
  });

  it("shows the last collection's error and keeps the older figures", async () => {
    renderApp(
      routes(() =>
        json(200, page([entry({ error: 'cannot reach ssh://dbtlab@127.0.0.13:1 (Refused)', attempted_at: '2026-11-26T12:05:00Z' })])),
      ),
    );
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Last collection failed');
    expect(alert).toHaveTextContent('cannot reach ssh://dbtlab@127.0.0.13:1');
    expect(alert).toHaveTextContent('the figures below are older');
    expect(screen.getByTestId('storage-used')).toHaveTextContent('1.00 GiB used of 4.00 GiB');
  });

  it('shows a problem when the figures cannot be loaded', async () => {
    renderApp(routes(() => problem(500, 'Internal Server Error', 'the database is down')));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Could not load storage figures');
    expect(alert).toHaveTextContent('the database is down');
  });

  it('collects now for operators and refreshes', async () => {
    const user = userEvent.setup();
    let used = 1 * GiB;
    const { requests } = renderApp({
      ...routes(() => json(200, page([entry({ filesystems: [{ ...entry().filesystems[0]!, used_bytes: used }] })]))),
      [`POST /servers/${serverId}/storage/collect`]: () => {
        used = 2 * GiB;
        return json(200, entry());
      },
    });
    await user.click(await screen.findByRole('button', { name: 'Collect now' }));
    await waitFor(() => expect(screen.getByTestId('storage-used')).toHaveTextContent('2.00 GiB used of 4.00 GiB'));
    expect(requests.some((r) => r.method === 'POST' && r.url.pathname === `/api/v1/servers/${serverId}/storage/collect`)).toBe(true);
  });
});

describe('storage helpers', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(4 * GiB)).toBe('4.00 GiB');
    expect(formatBytes(null)).toBe('—');
  });

  it('puts one row per sampling time with a key per filesystem', () => {
    const rows = chartRows(
      [...history, { sampled_at: '2026-11-26T12:00:00Z', filesystem: '/mnt/other', size_bytes: 1, used_bytes: 7, free_bytes: 0 }],
      ['/mnt/pool', '/mnt/other'],
    );
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ fs0: GiB, fs1: 7 });
  });
});

/** The card alone on a server's page (not compact), without the pages around it. */
function renderCard(routes: Record<string, Handler>) {
  const backend = fakeBackend(routes);
  render(
    <MantineProvider theme={theme} env="test">
      <QueryClientProvider client={createQueryClient({ retry: false })}>
        <ApiProvider client={backend.client}>
          <StorageCard serverId={serverId} />
        </ApiProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
  return backend;
}

describe('qgroup setting', () => {
  it('lets an admin turn qgroup sizes on, warning about the cost', async () => {
    const user = userEvent.setup();
    let on = false;
    const { requests } = renderCard({
      ...routes(() => json(200, page([entry({ collect_qgroups: on })]))),
      [`PUT /servers/${serverId}/storage/settings`]: async (req) => {
        on = ((await req.json()) as { collect_qgroups: boolean }).collect_qgroups;
        return json(200, { collect_qgroups: on });
      },
    });
    expect(await screen.findByRole('heading', { name: 'Storage' })).toBeInTheDocument();
    const toggle = await screen.findByRole('switch', { name: /qgroups/ });
    expect(screen.getByText(/never enables them/)).toBeInTheDocument();
    expect(toggle).not.toBeChecked();
    await waitFor(() => expect(toggle).toBeEnabled());
    await user.click(toggle);
    await waitFor(() => expect(screen.getByRole('switch', { name: /qgroups/ })).toBeChecked());
    const put = requests.find((r) => r.method === 'PUT');
    expect(put?.body).toEqual({ collect_qgroups: true });
  });

  it('is read-only for viewers', async () => {
    renderCard({ ...routes(() => json(200, page([entry({ collect_qgroups: true })]))), 'GET /auth/me': () => json(200, { ...admin, role: 'viewer' }) });
    const toggle = await screen.findByRole('switch', { name: /qgroups/ });
    expect(toggle).toBeChecked();
    await waitFor(() => expect(screen.getByTestId('storage-used')).toBeInTheDocument());
    expect(toggle).toBeDisabled();
    expect(screen.queryByRole('button', { name: 'Collect now' })).toBeNull();
  });
});
