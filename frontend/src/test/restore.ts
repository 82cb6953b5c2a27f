// Fixtures for browsing and restoring: directory entries, replicas, restores, a target,
// and the fake backend of a snapshot's page.
import type { Me } from '../api/client';
import type { HealthReport, Target, TargetHealth } from '../api/replicationQueries';
import type { Replica, Restore, TreeEntry } from '../api/restoreQueries';
import { admin, defaultRoutes, type Handler, json, page, problem } from './fakeApi';
import { SUBVOLUME_ID, primary, remote, snapshot, subvolume } from './fleet';

/** The server sends null for absent optional fields (as here, symlink_target of a file). */
const absent = null as unknown as undefined;

export function entry(name: string, extra: Partial<TreeEntry> = {}): TreeEntry {
  return { name, kind: 'file', size: 1536, mtime: '2026-01-01T10:00:00Z', mode: 0o644, symlink_target: absent, ...extra };
}

export const dir = (name: string) => entry(name, { kind: 'directory', size: 4096, mode: 0o755 });

export const target: Target = {
  id: '66666666-6666-4666-8666-666666666666',
  subvolume_id: SUBVOLUME_ID,
  server_id: remote.id,
  directory: '/srv/backups/home',
  strict_incremental: false,
  missing: 'newest_only',
  compression: 'none',
  created_at: '2026-01-05T00:00:00Z',
  updated_at: '2026-01-05T00:00:00Z',
};

export function replica(n: number, extra: Partial<Replica> = {}): Replica {
  return {
    id: `${n.toString(16).padStart(8, '0')}-7777-4777-8777-777777777777`,
    target_id: target.id,
    snapshot_id: snapshot(n).id,
    path: `${target.directory}/${snapshot(n).name}`,
    uuid: `d000000${n}-0000-4000-8000-000000000004`,
    recorded_at: `2026-01-0${n}T01:00:00Z`,
    ...extra,
  };
}

export const RESTORE_ID = '88888888-8888-4888-8888-888888888888';

export function restore(extra: Partial<Restore> = {}): Restore {
  return {
    id: RESTORE_ID,
    mode: 'new_subvolume',
    subvolume_id: SUBVOLUME_ID,
    snapshot_id: snapshot(1).id,
    server_id: primary.id,
    destination: '/mnt/pool/data/copy',
    paths: [],
    overwrite: false,
    state: 'queued',
    attempts: 0,
    bytes: 0,
    kept_beside: [],
    requested_by: 'user:admin',
    requested_at: '2026-01-06T00:00:00Z',
    error: absent,
    result_path: absent,
    pre_restore_snapshot_id: absent,
    ...extra,
  };
}

export function targetHealth(extra: Partial<TargetHealth> = {}): TargetHealth {
  return {
    subvolume_id: SUBVOLUME_ID,
    subvolume_name: subvolume.name,
    target_id: target.id,
    server_id: remote.id,
    server_name: remote.name,
    directory: target.directory,
    state: 'ok',
    rpo_seconds: 7200,
    rpo_source: 'set',
    bytes_total: 0,
    failures_total: 0,
    in_flight: false,
    newest_replica_snapshot: { id: snapshot(2).id, name: snapshot(2).name, created_at: '2026-01-02T00:00:00Z' },
    lag_seconds: 0,
    ...extra,
  };
}

/** The page of snapshot 1 of `home` (of snapshots 1 and 2 on the primary). */
export const snapshotPage = { snapshot: snapshot(1), path: `/subvolumes/${SUBVOLUME_ID}/snapshots/${snapshot(1).id}` };

/** Snapshot 1's page: `etc/` (two pages: hosts, then passwd), a file and a symlink at its top;
 *  a replica on `target` (health OK); snapshots 1 and 2 on the primary. */
export function snapshotBackend(extra: Record<string, Handler> = {}, me: Me = admin): Record<string, Handler> {
  const snap = snapshotPage.snapshot;
  const health: HealthReport = {
    as_of: '2026-01-06T00:00:00Z',
    summary: { total: 1, ok: 1, late: 0, failing: 0, never_replicated: 0 },
    items: [targetHealth()],
  };
  return {
    ...defaultRoutes(),
    'GET /auth/me': () => json(200, me),
    'GET /servers': () => json(200, page([primary, remote])),
    'GET /targets': () => json(200, page([target])),
    [`GET /subvolumes/${SUBVOLUME_ID}`]: () => json(200, subvolume),
    [`GET /subvolumes/${SUBVOLUME_ID}/snapshots`]: () => json(200, { items: [snapshot(2), snap], next_after: null }),
    [`GET /subvolumes/${SUBVOLUME_ID}/replication-health`]: () =>
      json(200, { ...health, rpo: { subvolume_id: SUBVOLUME_ID, rpo_seconds: 7200, rpo_source: 'set' } }),
    [`GET /targets/${target.id}/replicas`]: () => json(200, page([replica(1)])),
    [`GET /snapshots/${snap.id}`]: () => json(200, snap),
    [`GET /snapshots/${snap.id}/replicas`]: () => json(200, [replica(1)]),
    [`GET /snapshots/${snap.id}/tree`]: (_req, url) => {
      const path = url.searchParams.get('path') ?? '';
      if (path === '') {
        return json(200, {
          path,
          entries: [dir('etc'), entry('notes.txt', { size: 2048 }), entry('latest', { kind: 'symlink', mode: 0o777, symlink_target: 'etc/hosts' })],
        });
      }
      if (path === 'etc' && !url.searchParams.get('cursor')) return json(200, { path, entries: [entry('hosts')], next_cursor: 'c1' });
      if (path === 'etc') return json(200, { path, entries: [entry('passwd', { mode: 0o600 })] });
      return problem(404, 'Not Found', `no ${path} in it`);
    },
    ...extra,
  };
}
