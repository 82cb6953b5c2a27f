import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { defaultRoutes, instance, json, renderApp } from '../test/fakeApi';

describe('App shell', () => {
  it('shows the product, the instance name and the navigation', async () => {
    renderApp(defaultRoutes());
    expect(await screen.findByRole('heading', { level: 1, name: 'dist-btrfs' })).toBeInTheDocument();
    expect(await screen.findByTestId('header-instance-name')).toHaveTextContent('lab');
    const nav = screen.getByRole('navigation', { name: 'Main navigation' });
    expect(nav).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Overview' })).toHaveAttribute('href', '/');
    expect(screen.getByRole('link', { name: 'Events' })).toHaveAttribute('href', '/events');
    expect(screen.getByRole('button', { name: 'Open navigation' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Account: admin' })).toBeInTheDocument();
  });

  it('says so when the installation has no name yet (the server sends null)', async () => {
    renderApp({ ...defaultRoutes(), 'GET /instance': () => json(200, { ...instance, name: null }) });
    expect(await screen.findByTestId('header-instance-name')).toHaveTextContent('Unnamed installation');
  });

  it('navigates between pages', async () => {
    const user = userEvent.setup();
    renderApp(defaultRoutes());
    await user.click(await screen.findByRole('link', { name: 'Events' }));
    expect(await screen.findByRole('heading', { name: 'Events' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Events' })).toHaveAttribute('aria-current', 'page');
    await user.click(screen.getByRole('link', { name: 'Overview' }));
    expect(await screen.findByRole('heading', { name: 'Overview' })).toBeInTheDocument();
  });

  it('the account menu links to the API docs and the API tokens', async () => {
    const user = userEvent.setup();
    renderApp(defaultRoutes());
    await user.click(await screen.findByRole('button', { name: 'Account: admin' }));
    // Query inside the open dropdown only: a role query over the whole page (the Overview behind
    // the menu) can outlast the wait on a loaded two-core machine.
    const dropdown = await waitFor(() => {
      const found = document.querySelector<HTMLElement>('[data-menu-dropdown]');
      if (!found) throw new Error('the account menu did not open');
      return found;
    });
    const items = await within(dropdown).findAllByRole('menuitem');
    const href = (name: string) => items.find((m) => m.textContent === name)?.getAttribute('href');
    expect(href('API docs')).toBe('/api/docs');
    expect(href('API tokens')).toBe('/tokens');
  });

  it('toggles the theme and keeps the choice in localStorage', async () => {
    const user = userEvent.setup();
    renderApp(defaultRoutes());
    await user.click(await screen.findByRole('button', { name: 'Switch to dark theme' }));
    await waitFor(() => expect(document.documentElement).toHaveAttribute('data-mantine-color-scheme', 'dark'));
    expect(window.localStorage.getItem('mantine-color-scheme-value')).toBe('dark');
    await user.click(screen.getByRole('button', { name: 'Switch to light theme' }));
    await waitFor(() => expect(document.documentElement).toHaveAttribute('data-mantine-color-scheme', 'light'));
    expect(window.localStorage.getItem('mantine-color-scheme-value')).toBe('light');
  });

  it('shows a not-found page for unknown addresses', async () => {
    renderApp(defaultRoutes(), '/no-such-page');
    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
  });
});
