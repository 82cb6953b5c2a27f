import { AppShell, Burger, Group, NavLink, ScrollArea, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useEffect, type ReactNode } from 'react';
import { NavLink as RouterNavLink, useLocation } from 'react-router';
import type { Me } from '../api/client';
import { useLiveEvents } from '../api/live';
import { useInstance } from '../api/queries';
import { pages } from '../routes';
import { AccountMenu } from './AccountMenu';
import { LiveIndicator } from './LiveIndicator';
import { ThemeToggle } from './ThemeToggle';
import { useTranslation } from 'react-i18next';

/** The product's name, not translated. */
export const PRODUCT = 'dist-btrfs';

/** Header (product, instance, theme, account), sidebar navigation (a burger menu below `sm`), main. */
export function Shell({ me, children }: { me: Me; children: ReactNode }) {
  const { t } = useTranslation('layout');
  const [navOpen, { toggle, close }] = useDisclosure(false);
  const location = useLocation();
  const instance = useInstance();
  const live = useLiveEvents();

  // On phones the sidebar overlays the page: close it once a page is chosen.
  useEffect(close, [location.pathname, close]);

  const instanceName = instance.data ? (instance.data.name ?? t('shell.unnamed')) : '';

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !navOpen } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap" gap="sm">
          <Group gap="sm" wrap="nowrap" miw={0}>
            <Burger
              opened={navOpen}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={navOpen ? t('shell.closeNav') : t('shell.openNav')}
              aria-expanded={navOpen}
              aria-controls="main-navigation"
            />
            <Title order={1} size="h4" style={{ whiteSpace: 'nowrap' }}>
              {PRODUCT}
            </Title>
            {instanceName && (
              <Text c="dimmed" size="sm" truncate="end" data-testid="header-instance-name" title={instanceName}>
                {instanceName}
              </Text>
            )}
          </Group>
          <Group gap="xs" wrap="nowrap">
            <LiveIndicator status={live} />
            <ThemeToggle />
            <AccountMenu me={me} />
          </Group>
        </Group>
      </AppShell.Header>

      <AppShell.Navbar p="xs" id="main-navigation" aria-label={t('shell.mainNav')} component="nav">
        <AppShell.Section grow component={ScrollArea}>
          {pages.map((page) => (
            <NavLink
              key={page.path}
              component={RouterNavLink}
              to={page.path}
              end={page.path === '/'}
              label={t(`nav.${page.nav}`)}
              leftSection={<page.icon size={18} />}
              active={page.path === '/' ? location.pathname === '/' : location.pathname.startsWith(page.path)}
              style={{ borderRadius: 'var(--mantine-radius-sm)' }}
            />
          ))}
        </AppShell.Section>
      </AppShell.Navbar>

      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
