import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Route, Routes } from 'react-router';
import type { ApiClient } from './api/client';
import { ApiProvider } from './api/context';
import { ApiError } from './api/problem';
import { Shell } from './layout/Shell';
import { NotFoundPage } from './pages/NotFoundPage';
import { pages } from './routes';
import { theme } from './theme';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // Retry only what may pass on a second try: network failures and 5xx.
        retry: (count, error) => count < 2 && (!(error instanceof ApiError) || error.status === 0 || error.status >= 500),
      },
    },
  });
}

/** Providers + routes. The router itself comes from the caller (BrowserRouter in main.tsx,
 *  MemoryRouter in tests). */
export function App({ api, queryClient }: { api: ApiClient; queryClient: QueryClient }) {
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <QueryClientProvider client={queryClient}>
        <ApiProvider client={api}>
          <Shell>
            <Routes>
              {pages.map((page) => (
                <Route key={page.path} path={page.path} element={page.element} />
              ))}
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          </Shell>
        </ApiProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
