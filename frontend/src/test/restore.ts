// Fixtures for browsing and restoring: directory entries, replicas, restores, a target.
import type { Replica, Restore, TreeEntry } from '../api/restoreQueries';
import type { Target } from '../api/replicationQueries';
import { SUBVOLUME_ID, primary, remote, snapshot } from './fleet';

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
