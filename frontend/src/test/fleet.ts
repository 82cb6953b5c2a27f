// Fixtures for the servers/subvolumes/snapshots pages.
import type { DiscoveredSubvolume, Me, Server, Snapshot, Subvolume } from '../api/client';
import { admin } from './fakeApi';

export const viewer: Me = { ...admin, user_id: '1a1c3e5b-2d4f-4a6b-8c9d-0e1f2a3b4c5d', username: 'vera', role: 'viewer' };
export const operator: Me = { ...admin, user_id: '2a1c3e5b-2d4f-4a6b-8c9d-0e1f2a3b4c5d', username: 'otto', role: 'operator', csrf_token: 'csrf-operator' };

export const primary: Server = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'primary',
  role: 'primary',
  transport: { kind: 'local' },
  sudo: false,
  allowed_roots: ['/mnt/pool/data'],
  registered_at: '2026-01-02T03:04:05Z',
  updated_at: '2026-01-02T03:04:05Z',
};

export const remote: Server = {
  id: '22222222-2222-4222-8222-222222222222',
  name: 'backup-1',
  role: 'remote',
  transport: { kind: 'ssh', address: 'backup-1.lan', port: 2222, username: 'dist' },
  sudo: true,
  host_key_fingerprint: 'SHA256:xkmR1nE8SGV0ldGm3N3lJ4qkqGvVbE6m5Gs8eZqYJ0k',
  credential_kind: 'key',
  allowed_roots: ['/srv/backups'],
  registered_at: '2026-01-03T03:04:05Z',
  updated_at: '2026-01-03T03:04:05Z',
};

export const SUBVOLUME_ID = '33333333-3333-4333-8333-333333333333';

export function discovered(path: string, extra: Partial<DiscoveredSubvolume> = {}): DiscoveredSubvolume {
  return { path, btrfs_id: 256, uuid: 'aaaaaaaa-0000-4000-8000-000000000001', generation: 10, readonly: false, manageable: true, ...extra };
}

export const subvolume: Subvolume = {
  id: SUBVOLUME_ID,
  server_id: primary.id,
  name: 'home',
  path: '/mnt/pool/data/home',
  snapshot_dir: '/mnt/pool/data/.snapshots',
  btrfs_uuid: 'bbbbbbbb-0000-4000-8000-000000000002',
  btrfs_id: 257,
  managed: true,
  managed_at: '2026-01-04T00:00:00Z',
  hooks: { pre: null, post: null, timeout_secs: 60, last_pre: null, last_post: null },
};

export function snapshot(n: number, extra: Partial<Snapshot> = {}): Snapshot {
  const hex = n.toString(16).padStart(8, '0');
  return {
    id: `${hex}-5555-4555-8555-555555555555`,
    subvolume_id: SUBVOLUME_ID,
    name: `home.2026010${n}T000000Z`,
    path: `/mnt/pool/data/.snapshots/home.2026010${n}T000000Z`,
    uuid: `c${hex.slice(1)}-0000-4000-8000-000000000003`,
    parent_uuid: subvolume.btrfs_uuid,
    btrfs_id: 300 + n,
    origin: 'created',
    managed: true,
    state: 'present',
    created_at: `2026-01-0${n}T00:00:00Z`,
    recorded_at: `2026-01-0${n}T00:00:00Z`,
    ...extra,
  };
}
