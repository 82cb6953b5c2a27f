// The only way the dashboard talks to the backend: an openapi-fetch client typed with the
// types generated from openapi/dist-btrfs.json (src/api/schema.d.ts, `npm run gen:api`).
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type ApiClient = Client<paths>;

/** Schema types, re-exported so pages never reach into the generated file by path. */
export type Schemas = components['schemas'];
export type Health = Schemas['Health'];
export type Instance = Schemas['Instance'];
export type AuditEvent = Schemas['AuditEvent'];
export type AuditPage = Schemas['AuditPage'];
export type Problem = Schemas['Problem'];

export const API_BASE_URL = '/api/v1';

/**
 * Creates a client. The app uses one, made in main.tsx and handed down by <ApiProvider>;
 * tests make their own with a fake `fetch`. When login lands, the session/CSRF handling
 * belongs here as an openapi-fetch middleware (`client.use(...)`), not in pages.
 */
export function createApiClient(options: ClientOptions = {}): ApiClient {
  return createClient<paths>({
    baseUrl: API_BASE_URL,
    credentials: 'same-origin',
    ...options,
  });
}
