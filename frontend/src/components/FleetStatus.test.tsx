import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { FleetProblem } from '../api/client';
import { defaultRoutes, fleetStatus, json, renderApp } from '../test/fakeApi';

const failing: FleetProblem = {
  key: 'replication_failing:v1:t1',
  kind: 'replication_failing',
  severity: 'critical',
  summary: 'replication of data to backup-2:/srv/b is failing: No space left on device',
  since: '2026-01-02T03:00:00Z',
  server_id: 's1',
  subvolume_id: 'v1',
  target_id: 't1',
};
const overdue: FleetProblem = {
  key: 'snapshot_overdue:v0',
  kind: 'snapshot_overdue',
  severity: 'warning',
  summary: 'the snapshot of data due at 2026-01-02 03:00 UTC by policy hourly is missing',
  since: '2026-01-02T03:00:00Z',
  server_id: 's0',
  subvolume_id: 'v1',
};

describe('Fleet status', () => {
  it('says "All healthy" only when the server reports no problem', async () => {
    renderApp(defaultRoutes());
    const verdict = await screen.findByTestId('fleet-status');
    expect(verdict).toHaveTextContent('All healthy');
    expect(verdict).toHaveAttribute('data-status', 'ok');
    expect(screen.queryAllByTestId('status-problem')).toHaveLength(0);
    // one sentence around the time it was checked
    const card = screen.getByRole('region', { name: 'Fleet status' });
    expect(card).toHaveTextContent(/Checked \S.* \(every 30 s\)/);
    expect(card.querySelector('[data-time]')).not.toBeNull();
  });

  it('shows the worst problem as the verdict and each problem with a link to where it is fixed', async () => {
    renderApp({ ...defaultRoutes(), 'GET /status': () => json(200, fleetStatus([failing, overdue])) });
    const verdict = await screen.findByTestId('fleet-status');
    expect(verdict).toHaveTextContent('Critical');
    expect(verdict).not.toHaveTextContent('All healthy');
    const rows = screen.getAllByTestId('status-problem');
    expect(rows.map((r) => r.getAttribute('data-kind'))).toEqual(['replication_failing', 'snapshot_overdue']);
    expect(rows[0]).toHaveTextContent('No space left on device');
    const [first, second] = rows as [HTMLElement, HTMLElement];
    expect(within(first).getByRole('link', { name: 'Target' })).toHaveAttribute('href', '/replication/targets/t1');
    expect(within(second).getByRole('link', { name: 'Subvolume' })).toHaveAttribute('href', '/subvolumes/v1');
  });

  it('a warning alone is "Needs attention", never healthy', async () => {
    renderApp({ ...defaultRoutes(), 'GET /status': () => json(200, fleetStatus([overdue])) });
    const verdict = await screen.findByTestId('fleet-status');
    expect(verdict).toHaveTextContent('Needs attention');
  });

  it('a status that cannot be computed is an error, not a green badge', async () => {
    renderApp({ ...defaultRoutes(), 'GET /status': () => json(500, { type: '/problems/500', title: 'Internal Server Error', status: 500 }) });
    expect(await screen.findByText('Could not compute the fleet status')).toBeInTheDocument();
    expect(screen.queryByTestId('fleet-status')).not.toBeInTheDocument();
  });
});
