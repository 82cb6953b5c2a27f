import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { createApiClient } from './api/client';
import { fleetStatusQuery } from './api/queries';
import { App, createQueryClient } from './App';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

const api = createApiClient();
const queryClient = createQueryClient();
// The Overview's first data is asked for beside the session check, not after it (a 401
// here means the login page, as it would anyway).
if (window.location.pathname === '/') void queryClient.prefetchQuery(fleetStatusQuery(api));

createRoot(root).render(
  <StrictMode>
    <BrowserRouter>
      <App api={api} queryClient={queryClient} />
    </BrowserRouter>
  </StrictMode>,
);
