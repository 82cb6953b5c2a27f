// The only way the dashboard talks to the backend: an openapi-fetch client typed with the
// types generated from openapi/dist-btrfs.json (src/api/schema.d.ts, `npm run gen:api`).
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

/** Schema types, re-exported so pages never reach into the generated file by path. */
export type Schemas = components['schemas'];
export type Health = Schemas['Health'];
export type Instance = Schemas['Instance'];
export type AuditEvent = Schemas['AuditEvent'];
export type AuditPage = Schemas['AuditPage'];
export type Problem = Schemas['Problem'];
export type Me = Schemas['Me'];
export type Role = Schemas['RoleDto'];
export type Server = Schemas['Server'];
export type DiscoveredSubvolume = Schemas['DiscoveredSubvolume'];
export type Subvolume = Schemas['Subvolume'];
export type ManageSubvolume = Schemas['ManageSubvolume'];
export type Snapshot = Schemas['Snapshot'];
export type SnapshotPage = Schemas['Page_Snapshot'];
export type SyncReport = Schemas['SyncReport'];
export type SnapshotHooks = Schemas['SnapshotHooks'];
export type HookRun = Schemas['HookRun'];
export type SetSnapshotHooks = Schemas['SetSnapshotHooks'];
export type ServerHooks = Schemas['ServerHooks'];
export type FleetStatus = Schemas['FleetStatus'];
export type FleetProblem = Schemas['FleetProblem'];

export const API_BASE_URL = '/api/v1';
export const CSRF_HEADER = 'X-CSRF-Token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export type ApiClient = Client<paths> & {
  /** The session's CSRF token (from login or /auth/me); sent with every state change. */
  setCsrfToken(token: string | null | undefined): void;
};

/**
 * Creates a client. The app uses one, made in main.tsx and handed down by <ApiProvider>;
 * tests make their own with a fake `fetch`. The browser session is the HttpOnly cookie set
 * by POST /auth/login (sent automatically, same origin); requests that change state also
 * carry the session's CSRF token, added here so pages never think about it.
 */
export function createApiClient(options: ClientOptions = {}): ApiClient {
  let csrfToken: string | undefined;
  const client = createClient<paths>({
    baseUrl: API_BASE_URL,
    credentials: 'same-origin',
    ...options,
  });
  client.use({
    onRequest({ request }) {
      if (csrfToken && !SAFE_METHODS.has(request.method)) request.headers.set(CSRF_HEADER, csrfToken);
      return request;
    },
  });
  return Object.assign(client, {
    setCsrfToken(token: string | null | undefined) {
      csrfToken = token ?? undefined;
    },
  });
}
