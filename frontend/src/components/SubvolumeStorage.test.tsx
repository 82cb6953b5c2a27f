import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SubvolumeStorage } from '../api/storage';
import { defaultRoutes, json, page, renderApp } from '../test/fakeApi';
import { SUBVOLUME_ID, primary, snapshot, subvolume } from '../test/fleet';

const MiB = 1024 ** 2;

function routes(storage: SubvolumeStorage) {
  return {
    ...defaultRoutes(),
    'GET /servers': () => json(200, page([primary])),
    [`GET /subvolumes/${SUBVOLUME_ID}`]: () => json(200, subvolume),
    [`GET /subvolumes/${SUBVOLUME_ID}/snapshots`]: () => json(200, { items: [], total: 0 }),
    [`GET /subvolumes/${SUBVOLUME_ID}/storage`]: () => json(200, storage),
  };
}

describe('Subvolume storage', () => {
  it('shows size and snapshot overhead from qgroups', async () => {
    renderApp(
      routes({
        subvolume_id: SUBVOLUME_ID,
        server_id: primary.id,
        snapshots: 3,
        referenced_bytes: 10 * MiB,
        exclusive_bytes: MiB,
        snapshot_exclusive_bytes: 24 * MiB,
        snapshots_measured: 3,
        sampled_at: '2026-11-26T12:00:00Z',
      }),
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    const facts = await screen.findByLabelText('Subvolume storage');
    expect(within(facts).getByTestId('subvolume-snapshot-count')).toHaveTextContent('3');
    expect(within(facts).getByTestId('subvolume-referenced')).toHaveTextContent('10.0 MiB');
    expect(within(facts).getByTestId('subvolume-snapshot-overhead')).toHaveTextContent('24.0 MiB exclusive in 3 snapshots');
  });

  it('explains missing sizes when the server does not collect qgroups', async () => {
    renderApp(
      routes({ subvolume_id: SUBVOLUME_ID, server_id: primary.id, snapshots: 2, snapshots_measured: 0 }),
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    const facts = await screen.findByLabelText('Subvolume storage');
    expect(within(facts).getByTestId('subvolume-snapshot-count')).toHaveTextContent('2');
    expect(facts).toHaveTextContent(/btrfs quotas \(qgroups\)/);
  });
});

describe('Subvolume storage after a snapshot', () => {
  it('refreshes the snapshot count when a snapshot is created', async () => {
    const { default: userEvent } = await import('@testing-library/user-event');
    const user = userEvent.setup();
    let snapshots = 0;
    renderApp(
      {
        ...routes({ subvolume_id: SUBVOLUME_ID, server_id: primary.id, snapshots: 0, snapshots_measured: 0 }),
        [`GET /subvolumes/${SUBVOLUME_ID}/storage`]: () =>
          json(200, { subvolume_id: SUBVOLUME_ID, server_id: primary.id, snapshots, snapshots_measured: 0 }),
        [`POST /subvolumes/${SUBVOLUME_ID}/snapshots`]: () => {
          snapshots = 1;
          return json(201, snapshot(1));
        },
      },
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    expect(await screen.findByTestId('subvolume-snapshot-count')).toHaveTextContent('0');
    await user.click(screen.getByRole('button', { name: 'Create snapshot' }));
    await waitFor(() => expect(screen.getByTestId('subvolume-snapshot-count')).toHaveTextContent('1'));
  });
});
