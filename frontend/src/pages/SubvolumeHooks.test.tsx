import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { HookRun, Subvolume } from '../api/client';
import { defaultRoutes, type Handler, json, page, problem, renderApp } from '../test/fakeApi';
import { SUBVOLUME_ID, primary, snapshot, subvolume, viewer } from '../test/fleet';

const DIRECTORY = '/etc/dist-btrfs/hooks.d';

function run(hook: string, extra: Partial<HookRun> = {}): HookRun {
  return { hook, snapshot: snapshot(2).name, outcome: 'ok', exit_code: 0, duration_ms: 120, message: '', at: '2026-01-02T00:00:00Z', ...extra };
}

const hooked: Subvolume = {
  ...subvolume,
  hooks: {
    pre: 'db-freeze',
    post: 'db-thaw',
    timeout_secs: 120,
    last_pre: run('db-freeze'),
    last_post: run('db-thaw', { outcome: 'failed', exit_code: 3, message: 'thaw: database is not frozen' }),
  },
};

/** A subvolume page's backend with the subvolume `sv` and the hooks its server offers. */
function backend(sv: Subvolume, extra: Record<string, Handler> = {}): Record<string, Handler> {
  return {
    ...defaultRoutes(),
    'GET /servers': () => json(200, page([primary])),
    [`GET /subvolumes/${SUBVOLUME_ID}`]: () => json(200, sv),
    [`GET /subvolumes/${SUBVOLUME_ID}/snapshots`]: () => json(200, { items: [], next_after: null }),
    [`GET /servers/${primary.id}/hooks`]: () =>
      json(200, { directory: DIRECTORY, items: [{ name: 'db-freeze', symlink: false }, { name: 'db-thaw', symlink: true }] }),
    ...extra,
  };
}

const card = async () => screen.findByRole('region', { name: 'Snapshot hooks' });

async function openForm(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByRole('button', { name: 'Edit snapshot hooks' }));
  return screen.findByRole('dialog', { name: 'Snapshot hooks of home' });
}

describe('Snapshot hooks', () => {
  it('shows the configured hooks, the timeout and each last run, with a failed run\'s message', async () => {
    renderApp(backend(hooked), `/subvolumes/${SUBVOLUME_ID}`);
    const section = await card();
    expect(section).toHaveTextContent('NAME pre|post SUBVOLUME SNAPSHOT');
    const pre = within(section).getByTestId('hook-pre');
    expect(pre).toHaveTextContent('db-freeze');
    expect(within(pre).getByTestId('hook-outcome')).toHaveTextContent('ok');
    expect(within(pre).queryByTestId('hook-message')).not.toBeInTheDocument();
    const post = within(section).getByTestId('hook-post');
    expect(post).toHaveTextContent('db-thaw');
    expect(within(post).getByTestId('hook-outcome')).toHaveTextContent('failed');
    expect(post).toHaveTextContent('exit code 3');
    expect(post).toHaveTextContent(`for ${snapshot(2).name}`);
    expect(within(post).getByTestId('hook-message')).toHaveTextContent('thaw: database is not frozen');
    expect(within(post).getByTitle('2026-01-02T00:00:00Z')).toBeInTheDocument();
    expect(section).toHaveTextContent('2 min');
  });

  it('says "none" for a hook that is not set, and shows viewers no Edit button', async () => {
    renderApp({ ...backend(subvolume), 'GET /auth/me': () => json(200, viewer) }, `/subvolumes/${SUBVOLUME_ID}`);
    const section = await card();
    expect(within(section).getByTestId('hook-pre')).toHaveTextContent('none');
    expect(within(section).getByTestId('hook-post')).toHaveTextContent('none');
    expect(within(section).queryByRole('button', { name: 'Edit snapshot hooks' })).not.toBeInTheDocument();
  });

  it('lets an admin choose hooks offered by the server and a timeout, and saves them with PUT', async () => {
    const user = userEvent.setup();
    let current: Subvolume = subvolume;
    const { requests } = renderApp(
      backend(subvolume, {
        [`GET /subvolumes/${SUBVOLUME_ID}`]: () => json(200, current),
        [`PUT /subvolumes/${SUBVOLUME_ID}/hooks`]: () => {
          current = { ...subvolume, hooks: { ...subvolume.hooks, pre: 'db-freeze', post: 'db-thaw', timeout_secs: 30 } };
          return json(200, current);
        },
      }),
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    const dialog = await openForm(user);
    expect(await within(dialog).findByText(DIRECTORY)).toBeInTheDocument();
    await user.click(within(dialog).getByRole('textbox', { name: /^Pre hook/ }));
    await user.click(await screen.findByRole('option', { name: 'db-freeze' }));
    await user.click(within(dialog).getByRole('textbox', { name: /^Post hook/ }));
    await user.click(await screen.findByRole('option', { name: 'db-thaw (symbolic link)' }));
    const timeout = within(dialog).getByRole('textbox', { name: /^Timeout/ });
    await user.clear(timeout);
    await user.type(timeout, '30');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    const put = requests.find((r) => r.method === 'PUT')!;
    expect(put.url.pathname).toBe(`/api/v1/subvolumes/${SUBVOLUME_ID}/hooks`);
    expect(put.body).toEqual({ pre: 'db-freeze', post: 'db-thaw', timeout_secs: 30 });
    expect(put.headers.get('X-CSRF-Token')).toBe('csrf-token-1');
    const section = await card();
    await waitFor(() => expect(within(section).getByTestId('hook-pre')).toHaveTextContent('db-freeze'));
    expect(within(section).getByTestId('hook-post')).toHaveTextContent('db-thaw');
    expect(section).toHaveTextContent('30 s');
  });

  it('shows a 400 problem\'s detail in the form and keeps it open', async () => {
    const user = userEvent.setup();
    renderApp(
      backend(hooked, {
        [`PUT /subvolumes/${SUBVOLUME_ID}/hooks`]: () =>
          problem(400, 'Bad Request', `primary offers no executable hook named "db-thaw" in ${DIRECTORY}`),
      }),
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    const dialog = await openForm(user);
    await user.click(await within(dialog).findByRole('button', { name: 'Save' }));
    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent('Could not save the hooks');
    expect(alert).toHaveTextContent(`primary offers no executable hook named "db-thaw" in ${DIRECTORY}`);
    expect(screen.getByRole('dialog', { name: 'Snapshot hooks of home' })).toBeInTheDocument();
  });

  it('says when the server offers no hooks, naming the directory to install them in', async () => {
    const user = userEvent.setup();
    renderApp(
      backend(subvolume, { [`GET /servers/${primary.id}/hooks`]: () => json(200, { directory: DIRECTORY, items: [] }) }),
      `/subvolumes/${SUBVOLUME_ID}`,
    );
    const dialog = await openForm(user);
    expect(await within(dialog).findByTestId('no-hooks-offered')).toHaveTextContent(
      `The server offers no hooks: install an executable in ${DIRECTORY} on it first.`,
    );
  });
});
