// The account menu: who is logged in, API tokens and docs, the dashboard's language (kept
// in this browser), password change and logout.
import { ActionIcon, Menu, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Me } from '../api/client';
import { useLogout } from '../api/queries';
import { IconUser } from '../components/icons';
import { LANGUAGES, setLanguage } from '../i18n';
import { ChangePasswordDialog } from './ChangePasswordDialog';

export function AccountMenu({ me }: { me: Me }) {
  const { t, i18n } = useTranslation(['layout', 'common']);
  const logout = useLogout();
  const [changing, setChanging] = useState(false);
  return (
    <>
    <Menu position="bottom-end" width={220} withinPortal>
      <Menu.Target>
        <ActionIcon variant="default" size="lg" aria-label={t('account.menu', { username: me.username })} data-testid="account-menu">
          <IconUser />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          <Text size="sm" fw={600} c="var(--mantine-color-text)" truncate="end">
            {me.username}
          </Text>
          <Text size="xs" c="dimmed">
            {t(`account.role.${me.role}`)}
          </Text>
        </Menu.Label>
        <Menu.Divider />
        <Menu.Item component={Link} to="/tokens">
          {t('account.tokens')}
        </Menu.Item>
        <Menu.Item component="a" href="/api/docs" target="_blank" rel="noopener">
          {t('account.docs')}
        </Menu.Item>
        <Menu.Divider />
        <Menu.Label>{t('common:language.label')}</Menu.Label>
        {LANGUAGES.map((language) => (
          <Menu.Item
            key={language.code}
            lang={language.code}
            data-testid={`language-${language.code}`}
            aria-current={i18n.language === language.code ? 'true' : undefined}
            fw={i18n.language === language.code ? 700 : undefined}
            onClick={() => setLanguage(language.code).catch((e: unknown) => console.error('could not load the language', e))}
          >
            {language.name}
          </Menu.Item>
        ))}
        <Menu.Divider />
        <Menu.Item onClick={() => setChanging(true)}>{t('account.changePassword')}</Menu.Item>
        <Menu.Item onClick={() => logout.mutate()}>{t('account.logout')}</Menu.Item>
      </Menu.Dropdown>
    </Menu>
    <ChangePasswordDialog opened={changing} onClose={() => setChanging(false)} />
    </>
  );
}
