import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import ru from '../i18n/locales/ru/layout.json';
import zh from '../i18n/locales/zh-Hans/layout.json';
import { defaultRoutes, renderApp } from '../test/fakeApi';

const nav = async () => within(await screen.findByRole('navigation', { name: /./ }));

describe('the language in the account menu', () => {
  it('switches the whole dashboard and keeps the choice', async () => {
    const user = userEvent.setup();
    renderApp(defaultRoutes());
    expect(await (await nav()).findByRole('link', { name: 'Servers' })).toBeInTheDocument();

    await user.click(screen.getByTestId('account-menu'));
    await user.click(await screen.findByTestId('language-ru'));
    // the first switch to a language fetches its strings (a chunk of their own)
    await waitFor(() => expect(document.documentElement.lang).toBe('ru'), { timeout: 15_000 });

    expect(await (await nav()).findByRole('link', { name: ru.nav.servers })).toBeInTheDocument();
    expect((await nav()).queryByRole('link', { name: 'Servers' })).toBeNull();
    expect(document.documentElement.lang).toBe('ru');
    expect(window.localStorage.getItem('dist-btrfs.language')).toBe('ru');
    expect(screen.getByRole('heading', { level: 2, name: 'Обзор' })).toBeInTheDocument();

    await user.click(screen.getByTestId('account-menu'));
    expect(await screen.findByTestId('language-ru')).toHaveAttribute('aria-current', 'true');
    await user.click(screen.getByTestId('language-zh-Hans'));
    await waitFor(() => expect(document.documentElement.lang).toBe('zh-Hans'), { timeout: 15_000 });
    expect(await (await nav()).findByRole('link', { name: zh.nav.servers })).toBeInTheDocument();

    await user.click(screen.getByTestId('account-menu'));
    await user.click(await screen.findByTestId('language-en'));
    expect(await (await nav()).findByRole('link', { name: 'Servers' })).toBeInTheDocument();
  });
});
