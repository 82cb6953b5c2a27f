import { ActionIcon, Menu, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Me } from '../api/client';
import { useLogout } from '../api/queries';
import { IconUser } from '../components/icons';
import { ChangePasswordDialog } from './ChangePasswordDialog';

export function AccountMenu({ me }: { me: Me }) {
  const logout = useLogout();
  const [changing, setChanging] = useState(false);
  return (
    <>
    <Menu position="bottom-end" width={220} withinPortal>
      <Menu.Target>
        <ActionIcon variant="default" size="lg" aria-label={`Account: ${me.username}`} data-testid="account-menu">
          <IconUser />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          <Text size="sm" fw={600} c="var(--mantine-color-text)" truncate="end">
            {me.username}
          </Text>
          <Text size="xs" c="dimmed">
            {me.role}
          </Text>
        </Menu.Label>
        <Menu.Divider />
        <Menu.Item component={Link} to="/tokens">
          API tokens
        </Menu.Item>
        <Menu.Item component="a" href="/api/docs" target="_blank" rel="noopener">
          API docs
        </Menu.Item>
        <Menu.Divider />
        <Menu.Item onClick={() => setChanging(true)}>Change password</Menu.Item>
        <Menu.Item onClick={() => logout.mutate()}>Log out</Menu.Item>
      </Menu.Dropdown>
    </Menu>
    <ChangePasswordDialog opened={changing} onClose={() => setChanging(false)} />
    </>
  );
}
