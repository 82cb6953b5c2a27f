import '@mantine/core/styles.css';
import { Center, Loader, MantineProvider } from '@mantine/core';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider, type DefaultOptions } from '@tanstack/react-query';
import { Fragment, type ReactNode, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';
import type { ApiClient } from './api/client';
import { ApiProvider } from './api/context';
import { ApiError } from './api/problem';
import { queryKeys, useMe } from './api/queries';
import { ErrorNotice } from './components/ErrorNotice';
import { Shell } from './layout/Shell';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { pages } from './routes';
import { theme } from './theme';

export function createQueryClient(queries: DefaultOptions['queries'] = {}): QueryClient {
  // Any 401 means the session is gone (expired, logged out elsewhere): back to the login page.
  const onError = (error: unknown) => {
    if (error instanceof ApiError && error.status === 401) queryClient.setQueryData(queryKeys.me, null);
  };
  const queryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // Retry only what may pass on a second try: network failures and 5xx.
        retry: (count, error) => count < 2 && (!(error instanceof ApiError) || error.status === 0 || error.status >= 500),
        ...queries,
      },
    },
  });
  return queryClient;
}

/** The login page without a session, else the shell with the page for the address. */
function SessionGate() {
  const { t } = useTranslation(['layout', 'common']);
  const me = useMe();
  if (me.isPending) {
    return (
      <Center mih="100dvh">
        <Loader aria-label={t('common:state.loading')} />
      </Center>
    );
  }
  if (me.isError) {
    return (
      <Center mih="100dvh" p="md">
        <ErrorNotice title={t('app.startFailed')} error={me.error} onRetry={() => void me.refetch()} />
      </Center>
    );
  }
  if (!me.data) return <LoginPage />;
  return (
    <Shell me={me.data}>
      <Suspense
        fallback={
          <Center mih="40vh">
            <Loader aria-label={t('common:state.loading')} />
          </Center>
        }
      >
        <Routes>
        {pages.flatMap((page) => [
          <Route key={page.path} path={page.path} element={page.element} />,
          ...(page.subroutes ?? []).map((sub) => <Route key={sub.path} path={sub.path} element={sub.element} />),
        ])}
        <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </Suspense>
    </Shell>
  );
}

/** Its children, remounted when the language changes: every date, number and byte size is
 *  formatted again in the new locale, also where a component formats without `t`. (The
 *  query cache lives above, so nothing is fetched again.) */
function ByLanguage({ children }: { children: ReactNode }) {
  const { i18n } = useTranslation();
  return <Fragment key={i18n.language}>{children}</Fragment>;
}

/** Providers + routes. The router itself comes from the caller (BrowserRouter in main.tsx,
 *  MemoryRouter in tests). Tests pass `mantineEnv="test"`: Mantine then skips transitions,
 *  portals and the hiding of dropdowns whose target jsdom reports as off screen (jsdom has no
 *  layout, so a menu would vanish as soon as its position is computed). */
export function App({
  api,
  queryClient,
  mantineEnv = 'default',
}: {
  api: ApiClient;
  queryClient: QueryClient;
  mantineEnv?: 'default' | 'test';
}) {
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto" env={mantineEnv}>
      <QueryClientProvider client={queryClient}>
        <ApiProvider client={api}>
          <ByLanguage>
            <SessionGate />
          </ByLanguage>
        </ApiProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
