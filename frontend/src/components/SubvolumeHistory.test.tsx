import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SubvolumeSample } from '../api/storage';
import { defaultRoutes, json, page, renderApp } from '../test/fakeApi';
import { SUBVOLUME_ID, primary, remote, subvolume } from '../test/fleet';
import { target } from '../test/restore';

const MiB = 1024 ** 2;
const sample = (hours: number, snapshots: number, overhead: number | null, referenced: number | null): SubvolumeSample => ({
  sampled_at: new Date(Date.UTC(2026, 0, 1) + hours * 3_600_000).toISOString(),
  snapshots,
  snapshots_measured: overhead === null ? 0 : snapshots,
  snapshot_exclusive_bytes: overhead,
  referenced_bytes: referenced,
  exclusive_bytes: referenced,
});

function routes(history: SubvolumeSample[]) {
  return {
    ...defaultRoutes(),
    'GET /servers': () => json(200, page([primary, remote])),
    'GET /targets': () => json(200, page([target])),
    [`GET /subvolumes/${SUBVOLUME_ID}`]: () => json(200, subvolume),
    [`GET /subvolumes/${SUBVOLUME_ID}/snapshots`]: () => json(200, { items: [], total: 0 }),
    [`GET /subvolumes/${SUBVOLUME_ID}/storage/history`]: () => json(200, history),
  };
}

describe('Subvolume history', () => {
  it('shows growth per day from the samples with sizes', async () => {
    renderApp(routes([sample(0, 10, 100 * MiB, 1000 * MiB), sample(24, 34, 102 * MiB, 1001 * MiB), sample(48, 58, 104 * MiB, 1002 * MiB)]), `/subvolumes/${SUBVOLUME_ID}`);
    expect(await screen.findByTestId('growth-snapshots')).toHaveTextContent('+24.0 snapshots/day');
    expect(screen.getByTestId('growth-referenced')).toHaveTextContent('+1.00 MiB/day');
    expect(screen.getByTestId('growth-overhead')).toHaveTextContent('+2.00 MiB/day');
    expect(screen.queryByTestId('history-waiting')).not.toBeInTheDocument();
  });

  it('says sizes are unknown with quotas off, never 0', async () => {
    renderApp(routes([sample(0, 3, null, null), sample(5, 4, null, null)]), `/subvolumes/${SUBVOLUME_ID}`);
    expect(await screen.findByTestId('growth-referenced')).toHaveTextContent('unknown – quotas off');
    expect(screen.getByTestId('growth-overhead')).toHaveTextContent('unknown – quotas off');
    expect(screen.getByTestId('growth-snapshots')).toHaveTextContent('+4.8 snapshots/day');
  });

  it('waits for a second collection, and lists the filesystems of the primary and of each target', async () => {
    renderApp(routes([sample(0, 3, null, null)]), `/subvolumes/${SUBVOLUME_ID}`);
    expect(await screen.findByTestId('history-waiting')).toHaveTextContent('after a second storage collection (1 so far)');
    expect(screen.getByTestId('growth-snapshots')).toHaveTextContent('not enough history yet');
    const filesystems = await screen.findByTestId('subvolume-filesystems');
    expect(await within(filesystems).findAllByTestId('storage-card')).toHaveLength(2);
  });
});
