import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { DiffChange } from '../api/restoreQueries';
import { json, problem, renderApp } from '../test/fakeApi';
import { SUBVOLUME_ID, snapshot } from '../test/fleet';
import { snapshotBackend } from '../test/restore';

const [s1, s2, s3] = [snapshot(1), snapshot(2), snapshot(3)];
const PAGE = `/subvolumes/${SUBVOLUME_ID}/snapshots/${s2.id}`;

const FIRST: DiffChange[] = [
  { kind: 'added', path: 'docs/new.md', file_type: 'file', size: 2048 },
  { kind: 'modified', path: 'etc/hosts', file_type: 'file', size: 120 },
  { kind: 'renamed', path: 'etc/motd', from: 'etc/motd.old', file_type: 'file' },
  { kind: 'deleted', path: 'tmp', file_type: 'dir' },
];
const SECOND: DiffChange[] = [{ kind: 'added', path: 'docs/more', file_type: 'dir' }];

/** Snapshot 2's page, between snapshots 1 and 3; its diff against 1 has two pages. */
function backend() {
  return snapshotBackend({
    [`GET /snapshots/${s2.id}`]: () => json(200, s2),
    [`GET /snapshots/${s2.id}/replicas`]: () => json(200, []),
    [`GET /snapshots/${s2.id}/tree`]: () => json(200, { path: '', entries: [] }),
    [`GET /subvolumes/${SUBVOLUME_ID}/snapshots`]: () => json(200, { items: [s3, s2, s1], next_after: null }),
    [`GET /snapshots/${s2.id}/diff`]: (_req, url) => {
      const against = url.searchParams.get('against');
      if (against === s3.id) return json(200, { changes: [{ kind: 'deleted', path: 'docs/new.md', file_type: 'file' }] });
      if (against !== s1.id) return problem(400, 'Bad Request', `against ${against}`);
      return url.searchParams.get('cursor') === '42' ? json(200, { changes: SECOND }) : json(200, { changes: FIRST, next_cursor: 42 });
    },
  });
}

const changes = () => screen.getAllByTestId('diff-change').map((r) => `${r.getAttribute('data-kind')} ${r.getAttribute('data-path')}`);

describe('Snapshot page: Diff', () => {
  it('compares with the snapshot before by default, lists the changes and loads more by next_cursor', async () => {
    const user = userEvent.setup();
    const { requests } = renderApp(backend(), PAGE);
    const section = await screen.findByRole('region', { name: 'Diff' });
    const picker = await within(section).findByRole('combobox', { name: /Compare with/ });
    expect(picker).toHaveValue(s1.id);
    await waitFor(() => expect(changes()).toEqual(['added docs/new.md', 'modified etc/hosts', 'renamed etc/motd', 'deleted tmp']));
    expect(within(section).getByTestId('diff-count')).toHaveTextContent(`4 changes loaded, more to load from ${s1.name} to ${s2.name}`);
    const [added, , renamed, deleted] = screen.getAllByTestId('diff-change');
    expect(added).toHaveTextContent('2.00 KiB');
    expect(renamed).toHaveTextContent('from etc/motd.old');
    expect(deleted).toHaveTextContent('directory');

    await user.click(within(section).getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(changes()).toHaveLength(5));
    expect(within(section).queryByRole('button', { name: 'Load more' })).toBeNull();
    const diffs = requests.filter((r) => r.url.pathname.endsWith('/diff'));
    expect(diffs.map((r) => [r.url.searchParams.get('against'), r.url.searchParams.get('cursor')])).toEqual([
      [s1.id, null],
      [s1.id, '42'],
    ]);
  });

  it('filters the loaded changes by kind, and compares with another snapshot when picked', async () => {
    const user = userEvent.setup();
    renderApp(backend(), PAGE);
    const section = await screen.findByRole('region', { name: 'Diff' });
    await waitFor(() => expect(changes()).toHaveLength(4));
    await user.click(within(section).getByText('added (1)'));
    expect(changes()).toEqual(['added docs/new.md']);
    await user.click(within(section).getByText('renamed (1)'));
    expect(changes()).toEqual(['renamed etc/motd']);
    await user.click(within(section).getByText('all (4)'));
    expect(changes()).toHaveLength(4);

    await user.selectOptions(within(section).getByRole('combobox', { name: /Compare with/ }), s3.id);
    await waitFor(() => expect(changes()).toEqual(['deleted docs/new.md']));
    expect(within(section).getByTestId('diff-count')).toHaveTextContent(`1 change from ${s3.name} to ${s2.name}`);
  });

  it('the oldest snapshot has nothing before it: a snapshot is picked first', async () => {
    const { requests } = renderApp(snapshotBackend(), `/subvolumes/${SUBVOLUME_ID}/snapshots/${s1.id}`);
    const section = await screen.findByRole('region', { name: 'Diff' });
    expect(await within(section).findByRole('combobox', { name: /Compare with/ })).toHaveValue('');
    expect(within(section).getByRole('option', { name: 'Choose a snapshot…' })).toBeInTheDocument();
    expect(requests.some((r) => r.url.pathname.endsWith('/diff'))).toBe(false);
  });
});
