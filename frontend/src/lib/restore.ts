// The pure parts of browsing and restoring: paths inside a snapshot, breadcrumbs, file
// modes as `ls -l` shows them, a restore request checked and said in plain words, and
// replicas' names and forced deletes.
import { ApiError } from '../api/problem';
import { t } from '../i18n';
import type { NewRestore, RestoreMode, TreeEntryKind } from '../api/restoreQueries';

/** `dir/name` inside a snapshot ('' is its top). */
export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** The directory above `path` ('' for the top and for entries directly in it). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export interface Crumb {
  label: string;
  /** The directory it opens ('' is the top). */
  path: string;
}

/** The breadcrumb of a directory: the top (named `top`), then one crumb per component. */
export function breadcrumbs(path: string, top: string): Crumb[] {
  const parts = path.split('/').filter((p) => p !== '');
  return [{ label: top, path: '' }, ...parts.map((label, i) => ({ label, path: parts.slice(0, i + 1).join('/') }))];
}

const KIND_CHAR: Record<TreeEntryKind, string> = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  block_device: 'b',
  char_device: 'c',
  fifo: 'p',
  socket: 's',
};

/** The mode as `ls -l` shows it: 420 of a file → `-rw-r--r--`, with setuid/setgid/sticky. */
export function formatMode(mode: number, kind: TreeEntryKind): string {
  const rwx = (bits: number, special: boolean, specialChar: string) => {
    const x = (bits & 1) !== 0;
    const exec = special ? (x ? specialChar : specialChar.toUpperCase()) : x ? 'x' : '-';
    return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${exec}`;
  };
  return (
    KIND_CHAR[kind] +
    rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, 's') +
    rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, 's') +
    rwx(mode & 7, (mode & 0o1000) !== 0, 't')
  );
}

/** The mode in octal, e.g. `0644` (for a title next to the rwx form). */
export function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** A rollback goes ahead only once the subvolume's name is typed exactly. */
export function rollbackConfirmed(typed: string, subvolumeName: string): boolean {
  return subvolumeName !== '' && typed.trim() === subvolumeName;
}

/** The modes the restore dialog offers (`verify` is started from a replica, not here). */
export type DialogMode = Extract<RestoreMode, 'new_subvolume' | 'rollback' | 'files' | 'snapshot'>;

/** Where mode `snapshot` receives the replica: back onto the primary (catalogued again), or
 *  onto another registered server as a read-only copy outside the catalog. */
export type ReceiveOn = 'primary' | 'server';

/** What the restore dialog holds. */
export interface RestoreForm {
  mode: DialogMode;
  /** The replica the snapshot is received back from first (null: the primary's snapshot). */
  sourceReplicaId: string | null;
  /** `new_subvolume`: the new subvolume's path. */
  destination: string;
  /** `snapshot`: where the replica is received. */
  receiveOn: ReceiveOn;
  /** `snapshot` onto another server: that server, and the existing directory there. */
  copyServerId: string | null;
  copyDirectory: string;
  paths: string[];
  overwrite: boolean;
  /** What was typed to confirm a rollback. */
  confirmName: string;
}

export type RestoreProblemField = 'destination' | 'destination_server_id' | 'paths' | 'confirm' | 'source_replica_id';

type Problems = Partial<Record<RestoreProblemField, string>>;

/** A `destination` path's problem: `empty` when none is entered, else not absolute or with `..`. */
function destinationProblem(path: string, empty: string): Problems {
  const dest = path.trim();
  if (dest === '') return { destination: empty };
  if (!dest.startsWith('/')) return { destination: t('restore:check.absolute') };
  if (dest.split('/').includes('..')) return { destination: t('restore:check.dotdot') };
  return {};
}

/** Whether the form receives the snapshot onto another server (a copy outside the catalog). */
export function receivesCopy(form: RestoreForm): boolean {
  return form.mode === 'snapshot' && form.receiveOn === 'server';
}

/** The form's problems per request field (empty: it may be sent). */
export function restoreProblems(form: RestoreForm, subvolumeName: string): Problems {
  switch (form.mode) {
    case 'snapshot':
      if (!form.sourceReplicaId) return { source_replica_id: t('restore:check.replica') };
      if (!receivesCopy(form)) return {};
      return {
        ...(form.copyServerId ? {} : { destination_server_id: t('restore:check.server') }),
        ...destinationProblem(form.copyDirectory, t('restore:check.directory')),
      };
    case 'new_subvolume':
      return destinationProblem(form.destination, t('restore:check.newPath'));
    case 'files':
      return form.paths.length === 0 ? { paths: t('restore:check.pick') } : {};
    case 'rollback':
      return rollbackConfirmed(form.confirmName, subvolumeName) ? {} : { confirm: t('restore:check.typeName', { name: subvolumeName }) };
  }
}

/** The request body for the form (only the fields its mode uses; the replica when one is
 *  chosen; the destination server and directory only for a copy onto another server). */
export function restoreBody(form: RestoreForm, snapshotId: string): NewRestore {
  const base = {
    snapshot_id: snapshotId,
    ...(form.sourceReplicaId ? { source_replica_id: form.sourceReplicaId } : {}),
  };
  switch (form.mode) {
    case 'new_subvolume':
      return { mode: 'new_subvolume', ...base, destination: form.destination.trim(), paths: [], overwrite: false };
    case 'files':
      return { mode: 'files', ...base, paths: form.paths, overwrite: form.overwrite };
    case 'rollback':
      return { mode: 'rollback', ...base, paths: [], overwrite: false };
    case 'snapshot': {
      const copy =
        receivesCopy(form) && form.copyServerId
          ? { destination_server_id: form.copyServerId, destination: form.copyDirectory.trim() }
          : {};
      return { mode: 'snapshot', ...base, ...copy, paths: [], overwrite: false };
    }
  }
}

/** A restore's mode in words, in the dashboard's language. */
export const modeLabel = (mode: RestoreMode): string => t(`restore:mode.${mode}`);

/** A mode as the dialog offers it. */
export const modeChoice = (mode: DialogMode): string => (mode === 'snapshot' ? t('restore:mode.snapshotChoice') : modeLabel(mode));

/** Where a restore from a replica receives the snapshot from, for the plain-words summary. */
export interface ReplicaSource {
  /** The target holding the replica ("server:directory"). */
  target: string;
  /** Whether the primary still holds the snapshot (then that copy is used, nothing is received). */
  onPrimary: boolean;
  /** The snapshot the stream would be incremental against as things stand (null: a full
   *  send; undefined: not known yet). */
  base?: string | null;
}

/** The first step of a restore from a replica, in plain words. */
export function describeReceive(snapshotName: string, from: ReplicaSource): string {
  const how =
    from.base === undefined
      ? t('restore:describe.howUnknown')
      : from.base === null
        ? t('restore:describe.howFull')
        : t('restore:describe.howIncremental', { base: from.base });
  return t(from.onPrimary ? 'restore:describe.onPrimary' : 'restore:describe.receive', { snapshot: snapshotName, target: from.target, how });
}

/** What the mode does with the snapshot once it is on the primary. */
function describeMode(form: RestoreForm, snapshotName: string, subvolumePath: string): string {
  switch (form.mode) {
    case 'snapshot':
      return t('restore:describe.snapshot', { path: subvolumePath });
    case 'new_subvolume':
      return t('restore:describe.newSubvolume', {
        destination: form.destination.trim() || t('restore:describe.yourPath'),
        snapshot: snapshotName,
        path: subvolumePath,
      });
    case 'rollback':
      return t('restore:describe.rollback', { path: subvolumePath, snapshot: snapshotName });
    case 'files': {
      const n = form.paths.length;
      const copied =
        n === 1
          ? t('restore:describe.fileOne', { what: form.paths[0], snapshot: snapshotName, path: subvolumePath })
          : t('restore:describe.fileMany', { count: n, snapshot: snapshotName, path: subvolumePath });
      return `${copied} ${form.overwrite ? t('restore:describe.overwrite') : t('restore:describe.keep')}`;
    }
  }
}

/** A copy onto another server (mode `snapshot` with a destination server), in plain words. */
export function describeCopy(snapshotName: string, target: string, serverName: string | undefined, directory: string, subvolumePath: string): string {
  const dir = directory.trim() === '' ? t('restore:describe.yourDirectory') : directory.trim().replace(/\/+$/, '');
  return t('restore:describe.copy', {
    snapshot: snapshotName,
    target,
    dir,
    server: serverName ?? t('restore:describe.yourServer'),
    path: subvolumePath,
  });
}

/** What the restore will do, in plain words, before confirming (from a replica: that first;
 *  `copyServerName`: the name of the server a copy goes to). */
export function describeRestore(
  form: RestoreForm,
  snapshotName: string,
  subvolumePath: string,
  from?: ReplicaSource,
  copyServerName?: string,
): string {
  if (receivesCopy(form)) {
    return describeCopy(snapshotName, from?.target ?? t('restore:describe.yourReplica'), copyServerName, form.copyDirectory, subvolumePath);
  }
  const mode = describeMode(form, snapshotName, subvolumePath);
  if (!from) return mode;
  return `${describeReceive(snapshotName, from)} ${form.mode === 'snapshot' ? mode : t('restore:describe.then', { mode })}`;
}

/** What `newestOlder` needs of a snapshot. */
export interface Dated {
  id: string;
  state: string;
  created_at?: string | null;
  recorded_at: string;
}

const takenAt = (s: Dated) => s.created_at ?? s.recorded_at;

/** The newest of `candidates` present on the primary and taken before `snapshot` that
 *  `accept` takes (null: none). */
export function newestOlder<S extends Dated>(snapshot: Dated, candidates: S[], accept: (s: S) => boolean = () => true): S | null {
  let best: S | null = null;
  for (const s of candidates) {
    if (s.id === snapshot.id || s.state !== 'present' || takenAt(s) >= takenAt(snapshot) || !accept(s)) continue;
    if (!best || takenAt(s) > takenAt(best)) best = s;
  }
  return best;
}

/** The snapshot a stream back from a target would be incremental against, as the server
 *  chooses it: the newest snapshot older than `snapshot` that is present on the primary
 *  and has a replica on that target (null: none, a full send). */
export function incrementalBase<S extends Dated>(snapshot: Dated, primarySnapshots: S[], targetReplicaSnapshotIds: Set<string>): S | null {
  return newestOlder(snapshot, primarySnapshots, (s) => targetReplicaSnapshotIds.has(s.id));
}

/** A replica's name: the last component of its path (the snapshot's name). */
export function replicaName(path: string): string {
  return path.replace(/\/+$/, '').split('/').pop() || path;
}

/** Whether a replica delete was refused because it is its target's common base: a 409
 *  whose detail says so (the other 409, "not the replica any more", force does not help).
 *  The dialog then offers to delete it anyway with `force`. */
export function needsForce(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409 && /common base/i.test(error.message);
}
