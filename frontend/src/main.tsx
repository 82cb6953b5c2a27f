import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { createApiClient } from './api/client';
import { fleetStatusQuery } from './api/queries';
import { App, createQueryClient } from './App';
import { startLanguage } from './i18n';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

const api = createApiClient();
const queryClient = createQueryClient();
// The Overview's first data is asked for beside the session check, not after it (a 401
// here means the login page, as it would anyway).
if (window.location.pathname === '/') void queryClient.prefetchQuery(fleetStatusQuery(api));

// English is bundled; another chosen language is fetched before the first render, so the
// dashboard never flashes English at someone who chose Russian.
void startLanguage().then(() =>
  createRoot(root).render(
    <StrictMode>
      <BrowserRouter>
        <App api={api} queryClient={queryClient} />
      </BrowserRouter>
    </StrictMode>,
  ),
);
