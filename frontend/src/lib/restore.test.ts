import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/problem';
import { snapshot } from '../test/fleet';
import {
  type RestoreForm,
  breadcrumbs,
  describeReceive,
  describeRestore,
  formatMode,
  incrementalBase,
  joinPath,
  modeChoice,
  modeLabel,
  needsForce,
  octalMode,
  parentPath,
  replicaName,
  restoreBody,
  restoreProblems,
  rollbackConfirmed,
} from './restore';

const form = (p: Partial<RestoreForm>): RestoreForm => ({
  mode: 'new_subvolume',
  sourceReplicaId: null,
  destination: '',
  receiveOn: 'primary',
  copyServerId: null,
  copyDirectory: '',
  paths: [],
  overwrite: false,
  confirmName: '',
  ...p,
});

describe('paths inside a snapshot', () => {
  it('joins and takes the parent, the top being the empty path', () => {
    expect(joinPath('', 'etc')).toBe('etc');
    expect(joinPath('etc', 'hosts')).toBe('etc/hosts');
    expect(parentPath('etc/ssh/sshd_config')).toBe('etc/ssh');
    expect(parentPath('etc')).toBe('');
    expect(parentPath('')).toBe('');
  });

  it('builds the breadcrumb: the top, then one crumb per component opening that directory', () => {
    expect(breadcrumbs('', 'home.2026')).toEqual([{ label: 'home.2026', path: '' }]);
    expect(breadcrumbs('etc/ssh', 'home.2026')).toEqual([
      { label: 'home.2026', path: '' },
      { label: 'etc', path: 'etc' },
      { label: 'ssh', path: 'etc/ssh' },
    ]);
    expect(breadcrumbs('/a//b/', 'top').map((c) => c.path)).toEqual(['', 'a', 'a/b']);
  });

  it("names a replica after its path's last component", () => {
    expect(replicaName('/srv/backups/home/home.20260101T000000Z')).toBe('home.20260101T000000Z');
    expect(replicaName('/srv/x/')).toBe('x');
  });
});

describe('formatMode', () => {
  it('shows the permission bits as ls -l does, led by the kind', () => {
    expect(formatMode(0o644, 'file')).toBe('-rw-r--r--');
    expect(formatMode(0o755, 'directory')).toBe('drwxr-xr-x');
    expect(formatMode(0o777, 'symlink')).toBe('lrwxrwxrwx');
    expect(formatMode(0o600, 'socket')).toBe('srw-------');
    expect(formatMode(0o660, 'block_device')).toBe('brw-rw----');
    expect(formatMode(0o620, 'char_device')).toBe('crw--w----');
    expect(formatMode(0o644, 'fifo')).toBe('prw-r--r--');
    expect(formatMode(0, 'file')).toBe('----------');
  });

  it('shows setuid, setgid and sticky as s/S and t/T', () => {
    expect(formatMode(0o4755, 'file')).toBe('-rwsr-xr-x');
    expect(formatMode(0o4644, 'file')).toBe('-rwSr--r--');
    expect(formatMode(0o2755, 'directory')).toBe('drwxr-sr-x');
    expect(formatMode(0o2745, 'directory')).toBe('drwxr-Sr-x');
    expect(formatMode(0o1777, 'directory')).toBe('drwxrwxrwt');
    expect(formatMode(0o1776, 'directory')).toBe('drwxrwxrwT');
  });

  it('gives the octal form for the title', () => {
    expect(octalMode(420)).toBe('0644');
    expect(octalMode(0o4755)).toBe('4755');
  });
});

describe('restore requests', () => {
  it('lets a rollback go ahead only once the subvolume name is typed exactly', () => {
    expect(rollbackConfirmed('', 'home')).toBe(false);
    expect(rollbackConfirmed('hom', 'home')).toBe(false);
    expect(rollbackConfirmed('Home', 'home')).toBe(false);
    expect(rollbackConfirmed(' home ', 'home')).toBe(true);
    expect(rollbackConfirmed('', '')).toBe(false);
    expect(restoreProblems(form({ mode: 'rollback', confirmName: 'hom' }), 'home')).toEqual({ confirm: 'Type home to confirm.' });
    expect(restoreProblems(form({ mode: 'rollback', confirmName: 'home' }), 'home')).toEqual({});
  });

  it('checks the destination of a new subvolume and the picked paths of a files restore', () => {
    expect(restoreProblems(form({ destination: ' ' }), 'home').destination).toMatch(/Enter/);
    expect(restoreProblems(form({ destination: 'data/copy' }), 'home').destination).toMatch(/absolute/);
    expect(restoreProblems(form({ destination: '/mnt/../etc' }), 'home').destination).toMatch(/\.\./);
    expect(restoreProblems(form({ destination: '/mnt/pool/data/copy' }), 'home')).toEqual({});
    expect(restoreProblems(form({ mode: 'files' }), 'home').paths).toMatch(/Pick/);
    expect(restoreProblems(form({ mode: 'files', paths: ['etc'] }), 'home')).toEqual({});
  });

  it('sends only what the mode uses', () => {
    const all = form({ destination: ' /mnt/pool/data/copy ', paths: ['etc/hosts'], overwrite: true, confirmName: 'home' });
    expect(restoreBody(all, 's-1')).toEqual({
      mode: 'new_subvolume',
      snapshot_id: 's-1',
      destination: '/mnt/pool/data/copy',
      paths: [],
      overwrite: false,
    });
    expect(restoreBody({ ...all, mode: 'files' }, 's-1')).toEqual({ mode: 'files', snapshot_id: 's-1', paths: ['etc/hosts'], overwrite: true });
    expect(restoreBody({ ...all, mode: 'rollback' }, 's-1')).toEqual({ mode: 'rollback', snapshot_id: 's-1', paths: [], overwrite: false });
  });

  it('says what will happen in plain words', () => {
    const snap = 'home.20260101T000000Z';
    expect(describeRestore(form({ destination: '/mnt/pool/data/copy' }), snap, '/mnt/pool/data/home')).toMatch(
      /new writable subvolume is made at \/mnt\/pool\/data\/copy .* not changed/,
    );
    const rollback = describeRestore(form({ mode: 'rollback' }), snap, '/mnt/pool/data/home');
    expect(rollback).toMatch(/\/mnt\/pool\/data\/home goes back to the state of home\.20260101T000000Z/);
    expect(rollback).toMatch(/held as “pre-restore”/);
    const beside = describeRestore(form({ mode: 'files', paths: ['etc/hosts'] }), snap, '/mnt/pool/data/home');
    expect(beside).toMatch(/^etc\/hosts is copied/);
    expect(beside).toMatch(/NAME\.restored-<time>/);
    const over = describeRestore(form({ mode: 'files', paths: ['a', 'b'], overwrite: true }), snap, '/x');
    expect(over).toMatch(/^2 picked files and directories are copied/);
    expect(over).toMatch(/replaced/);
  });

  it('offers a forced replica delete only for the common-base refusal', () => {
    const problem = (detail: string) => ({ type: '/problems/409', title: 'Conflict', status: 409, detail });
    const base = 'replica r is the common base of its target: the next replication there would be a full send.';
    expect(needsForce(new ApiError(409, base, problem(base)))).toBe(true);
    expect(needsForce(new ApiError(409, 'the subvolume at /x is not the replica of snapshot s any more'))).toBe(false);
    expect(needsForce(new ApiError(502, base))).toBe(false);
    expect(needsForce(new Error(base))).toBe(false);
  });
});

describe('restoring from a replica', () => {
  it('names every mode, the snapshot one included', () => {
    expect(modeLabel('snapshot')).toBe('Snapshot back');
    expect(modeLabel('verify')).toBe('Verify a replica');
    expect(modeChoice('new_subvolume')).toBe('New subvolume');
    expect(modeChoice('snapshot')).toBe('Bring the snapshot back to the primary, or copy it to another server');
  });

  it('sends source_replica_id with every mode when a replica is chosen, and never without one', () => {
    const fromReplica = form({ sourceReplicaId: 'r-1', destination: '/mnt/copy', paths: ['a'], confirmName: 'home' });
    expect(restoreBody({ ...fromReplica, mode: 'snapshot' }, 's-1')).toEqual({
      mode: 'snapshot',
      snapshot_id: 's-1',
      source_replica_id: 'r-1',
      paths: [],
      overwrite: false,
    });
    expect(restoreBody(fromReplica, 's-1')).toMatchObject({ mode: 'new_subvolume', source_replica_id: 'r-1', destination: '/mnt/copy' });
    expect(restoreBody({ ...fromReplica, mode: 'rollback' }, 's-1')).toMatchObject({ source_replica_id: 'r-1' });
    expect(restoreBody({ ...fromReplica, mode: 'files' }, 's-1')).toMatchObject({ source_replica_id: 'r-1', paths: ['a'] });
    expect(restoreBody(form({ destination: '/mnt/copy' }), 's-1')).not.toHaveProperty('source_replica_id');
  });

  it('bringing a snapshot back needs a replica', () => {
    expect(restoreProblems(form({ mode: 'snapshot' }), 'home')).toEqual({ source_replica_id: 'Choose the replica to bring it back from.' });
    expect(restoreProblems(form({ mode: 'snapshot', sourceReplicaId: 'r-1' }), 'home')).toEqual({});
  });

  it('says where the snapshot comes back from and how, then what the mode does', () => {
    const snap = 'home.20260102T000000Z';
    const lost = { target: 'backup-1:/srv/b', onPrimary: false };
    const back = describeRestore(form({ mode: 'snapshot', sourceReplicaId: 'r' }), snap, '/mnt/home', { ...lost, base: 'home.1' });
    expect(back).toMatch(/^home\.20260102T000000Z is received back from its replica on backup-1:\/srv\/b into the subvolume’s snapshot directory/);
    expect(back).toMatch(/incrementally against home\.1, which the primary and this target both hold/);
    expect(back).toMatch(/catalogued again\. Nothing else is changed: \/mnt\/home is not touched/);
    expect(describeReceive(snap, { ...lost, base: null })).toMatch(/in full: the primary holds no older snapshot that this target also has/);
    expect(describeReceive(snap, lost)).toMatch(/incrementally \(only the differences\) if the primary still holds an older snapshot .* otherwise in full/);
    const copy = describeRestore(form({ sourceReplicaId: 'r', destination: '/mnt/copy' }), snap, '/mnt/home', lost);
    expect(copy).toMatch(/catalogued again\. Then: A new writable subvolume is made at \/mnt\/copy/);
    expect(describeReceive(snap, { ...lost, onPrimary: true })).toMatch(/^The primary still holds home\.20260102T000000Z, so that copy is used/);
  });

  it('a copy onto another server needs the server and an absolute directory, and only then sends them', () => {
    const copy = form({ mode: 'snapshot', sourceReplicaId: 'r-1', receiveOn: 'server', destination: '/mnt/new' });
    expect(restoreProblems(copy, 'home')).toEqual({
      destination_server_id: 'Choose the server to receive the copy on.',
      destination: 'Enter the directory on that server.',
    });
    expect(restoreProblems({ ...copy, copyServerId: 'srv-2', copyDirectory: 'copies' }, 'home')).toEqual({
      destination: 'An absolute path on the server, starting with /.',
    });
    const filled = { ...copy, copyServerId: 'srv-2', copyDirectory: ' /srv/copies ' };
    expect(restoreProblems(filled, 'home')).toEqual({});
    expect(restoreBody(filled, 's-1')).toEqual({
      mode: 'snapshot',
      snapshot_id: 's-1',
      source_replica_id: 'r-1',
      destination_server_id: 'srv-2',
      destination: '/srv/copies',
      paths: [],
      overwrite: false,
    });
    // back to the primary, or any other mode: neither is sent, whatever the form still holds
    expect(restoreBody({ ...filled, receiveOn: 'primary' }, 's-1')).not.toHaveProperty('destination_server_id');
    expect(restoreBody({ ...filled, receiveOn: 'primary' }, 's-1')).not.toHaveProperty('destination');
    for (const mode of ['new_subvolume', 'rollback', 'files'] as const) {
      expect(restoreBody({ ...filled, mode }, 's-1')).not.toHaveProperty('destination_server_id');
    }
    expect(restoreBody({ ...filled, mode: 'new_subvolume' }, 's-1')).toMatchObject({ destination: '/mnt/new' });
  });

  it('says a copy onto another server is a read-only copy outside the catalog', () => {
    const snap = 'home.20260102T000000Z';
    const from = { target: 'backup-1:/srv/b', onPrimary: true };
    const copy = form({ mode: 'snapshot', sourceReplicaId: 'r', receiveOn: 'server', copyServerId: 'x', copyDirectory: '/srv/copies/' });
    const said = describeRestore(copy, snap, '/mnt/home', from, 'spare');
    expect(said).toMatch(
      /^Receives snapshot home\.20260102T000000Z from its replica on backup-1:\/srv\/b into \/srv\/copies\/home\.20260102T000000Z on server spare as a read-only copy/,
    );
    expect(said).toMatch(/earlier copy of an older snapshot is in that directory, otherwise in full/);
    expect(said).toMatch(/The catalog is not changed/);
    expect(describeRestore({ ...copy, copyDirectory: '' }, snap, '/mnt/home', from)).toMatch(
      /into \(the directory you enter\)\/home\.20260102T000000Z on server \(the server you choose\)/,
    );
  });

  it('finds the incremental base as the server does: the newest older snapshot on the primary with a replica there', () => {
    const [s1, s2, s3, s4] = [snapshot(1), snapshot(2), snapshot(3, { state: 'deleted' }), snapshot(4)];
    const all = [s4, s3, s2, s1];
    expect(incrementalBase(s4, all, new Set([s1.id, s2.id, s3.id]))?.id).toBe(s2.id);
    expect(incrementalBase(s4, all, new Set([s1.id, s3.id]))?.id).toBe(s1.id);
    expect(incrementalBase(s2, all, new Set([s3.id, s4.id]))).toBeNull();
    expect(incrementalBase(s1, all, new Set([s1.id, s2.id]))).toBeNull();
  });
});
