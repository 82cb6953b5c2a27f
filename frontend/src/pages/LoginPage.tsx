import { Alert, Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { useLogin } from '../api/queries';
import { ThemeToggle } from '../layout/ThemeToggle';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useTranslation } from 'react-i18next';
import { PRODUCT } from '../layout/Shell';

/** Shown at any address while there is no session; after logging in that page appears. */
export function LoginPage() {
  const { t } = useTranslation('layout');
  useDocumentTitle(t('login.title'));
  const login = useLogin();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [showValidation, setShowValidation] = useState(false);
  const usernameError = showValidation && username.trim() === '' ? t('login.enterUser') : null;
  const passwordError = showValidation && password === '' ? t('login.enterPassword') : null;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setShowValidation(true);
    if (username.trim() === '' || password === '') return;
    login.mutate({ username: username.trim(), password });
  }

  return (
    <Center mih="100dvh" p="md" component="main">
      <Stack w="100%" maw={380} gap="md">
        <Group justify="space-between">
          <Title order={1} size="h3">
            {PRODUCT}
          </Title>
          <ThemeToggle />
        </Group>
        <Paper withBorder p="lg" radius="md">
          <form onSubmit={onSubmit} noValidate aria-label={t('login.title')}>
            <Stack gap="sm">
              <Title order={2} size="h4">
                {t('login.title')}
              </Title>
              <TextInput
                label={t('login.user')}
                autoComplete="username"
                value={username}
                onChange={(e) => setUsername(e.currentTarget.value)}
                error={usernameError}
                data-autofocus
                autoFocus
              />
              <PasswordInput
                label={t('login.password')}
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                error={passwordError}
              />
              {login.isError && (
                <Alert color="red" variant="light" role="alert" title={t('login.failed')}>
                  {login.error.message}
                </Alert>
              )}
              <Button type="submit" loading={login.isPending} fullWidth mt="xs">
                {t('login.title')}
              </Button>
            </Stack>
          </form>
        </Paper>
        <Text size="xs" c="dimmed" ta="center">
          {t('login.firstAdmin')}
        </Text>
      </Stack>
    </Center>
  );
}
