// Tests mock at the client boundary: the real openapi-fetch client, given a fake `fetch`
// that answers like dist-btrfs serve would.
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';
import { App, createQueryClient } from '../App';
import { createApiClient, type AuditEvent, type FleetProblem, type FleetStatus, type Health, type Instance, type Me } from '../api/client';

export type Handler = (req: Request, url: URL) => Response | Promise<Response>;

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
  });
}

/** A keyset-paged list's answer: one page holding every item. */
export function page<T>(items: T[], next_after?: string): { items: T[]; next_after?: string } {
  return next_after === undefined ? { items } : { items, next_after };
}

export function problem(status: number, title: string, detail?: string, field?: string): Response {
  return json(status, { type: `/problems/${status}`, title, status, ...(detail ? { detail } : {}), ...(field ? { field } : {}) });
}

/** A fake backend keyed by "METHOD /path" (path below /api/v1). Records every request. */
export function fakeBackend(routes: Record<string, Handler>) {
  const requests: { method: string; url: URL; body: unknown; headers: Headers }[] = [];
  const fetch = vi.fn(async (req: Request) => {
    const url = new URL(req.url);
    const text = req.method === 'GET' ? '' : await req.clone().text();
    requests.push({ method: req.method, url, body: text ? JSON.parse(text) : undefined, headers: req.headers });
    const handler = routes[`${req.method} ${url.pathname.replace(/^\/api\/v1/, '')}`];
    return handler ? handler(req, url) : problem(404, 'Not Found', `no fake route for ${req.method} ${url.pathname}`);
  });
  const client = createApiClient({ baseUrl: 'http://dashboard.test/api/v1', fetch });
  return { client, fetch, requests };
}

export const health: Health = { status: 'ok', version: '0.1.0', database: true };

export const instance: Instance = {
  instance_id: '0b9f7a4e-3c1d-4f0a-9a51-6f2f0f7c1e11',
  name: 'lab',
  software_version: '0.1.0',
  initialized_at: '2026-01-02T03:04:05Z',
  updated_at: '2026-01-02T03:04:05Z',
};

export const admin: Me = {
  user_id: '7a1c3e5b-2d4f-4a6b-8c9d-0e1f2a3b4c5d',
  username: 'admin',
  role: 'admin',
  auth: 'session',
  csrf_token: 'csrf-token-1',
};

export function event(seq: number, event_type = 'InstanceRenamed'): AuditEvent {
  return {
    seq,
    recorded_at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    actor: 'system',
    stream_id: 'instance',
    event_type,
    summary: `${event_type} number ${seq}`,
    correlation_id: '5d6c8c52-9a62-4b9e-8d4c-3c0b5b2a9e01',
    subjects: [],
  };
}

/** Routes that make every page load, logged in as an admin: override per test. */
/** A fleet status: `ok` with no problems unless problems are given (the worst is the status). */
export function fleetStatus(problems: FleetProblem[] = []): FleetStatus {
  const order = ['ok', 'warning', 'critical'] as const;
  const worst = problems.reduce((w, p) => (order.indexOf(p.severity) > order.indexOf(w) ? p.severity : w), 'ok' as FleetStatus['status']);
  return { status: worst, checked_at: '2026-01-02T03:04:05Z', usage_warning_percent: 85, problems };
}

export function defaultRoutes(): Record<string, Handler> {
  return {
    'GET /auth/me': () => json(200, admin),
    'GET /health': () => json(200, health),
    'GET /instance': () => json(200, instance),
    'GET /events': () => json(200, { items: [event(2), event(1, 'InstanceInitialized')] }),
    'GET /storage': () => json(200, page([])),
    'GET /status': () => json(200, fleetStatus()),
    'GET /policies': () => json(200, page([])),
    'GET /replication/health': () =>
      json(200, { as_of: '2026-01-02T03:04:05Z', summary: { total: 0, ok: 0, late: 0, failing: 0, never_replicated: 0 }, items: [] }),
  };
}

export function renderApp(routes: Record<string, Handler>, path = '/') {
  const backend = fakeBackend(routes);
  const queryClient = createQueryClient({ retry: false });
  const view = render(
    <MemoryRouter initialEntries={[path]}>
      <App api={backend.client} queryClient={queryClient} mantineEnv="test" />
    </MemoryRouter>,
  );
  return { ...backend, ...view };
}
