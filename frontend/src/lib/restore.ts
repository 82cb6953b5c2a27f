// The pure parts of browsing and restoring: paths inside a snapshot, breadcrumbs, file
// modes as `ls -l` shows them, a restore request checked and said in plain words, and
// replicas' names and forced deletes.
import { ApiError } from '../api/problem';
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
  if (!dest.startsWith('/')) return { destination: 'An absolute path on the server, starting with /.' };
  if (dest.split('/').includes('..')) return { destination: 'The path must not contain “..”.' };
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
      if (!form.sourceReplicaId) return { source_replica_id: 'Choose the replica to bring it back from.' };
      if (!receivesCopy(form)) return {};
      return {
        ...(form.copyServerId ? {} : { destination_server_id: 'Choose the server to receive the copy on.' }),
        ...destinationProblem(form.copyDirectory, 'Enter the directory on that server.'),
      };
    case 'new_subvolume':
      return destinationProblem(form.destination, 'Enter the new subvolume’s path.');
    case 'files':
      return form.paths.length === 0 ? { paths: 'Pick files or directories in the browser first.' } : {};
    case 'rollback':
      return rollbackConfirmed(form.confirmName, subvolumeName) ? {} : { confirm: `Type ${subvolumeName} to confirm.` };
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

export const MODE_LABEL: Record<RestoreMode, string> = {
  new_subvolume: 'New subvolume',
  rollback: 'Rollback',
  files: 'Files',
  snapshot: 'Snapshot back',
  verify: 'Verify a replica',
};

/** The modes as the dialog offers them. */
export const MODE_CHOICE: Record<DialogMode, string> = {
  snapshot: 'Bring the snapshot back to the primary, or copy it to another server',
  new_subvolume: 'New subvolume',
  rollback: 'Rollback',
  files: 'Files',
};

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
      ? 'incrementally (only the differences) if the primary still holds an older snapshot that this target also has, otherwise in full'
      : from.base === null
        ? 'in full: the primary holds no older snapshot that this target also has'
        : `incrementally against ${from.base}, which the primary and this target both hold (only the differences are sent)`;
  if (from.onPrimary) {
    return (
      `The primary still holds ${snapshotName}, so that copy is used; only if it turns out to be missing from the disk ` +
      `is it received back from its replica on ${from.target} first (${how}).`
    );
  }
  return (
    `${snapshotName} is received back from its replica on ${from.target} into the subvolume’s snapshot directory ` +
    `on the primary, ${how}, and catalogued again.`
  );
}

/** What the mode does with the snapshot once it is on the primary. */
function describeMode(form: RestoreForm, snapshotName: string, subvolumePath: string): string {
  switch (form.mode) {
    case 'snapshot':
      return `Nothing else is changed: ${subvolumePath} is not touched, and the snapshot can then be browsed, compared and restored like any other.`;
    case 'new_subvolume':
      return (
        `A new writable subvolume is made at ${form.destination.trim() || '(the path you enter)'} with the content of ` +
        `${snapshotName}. The subvolume ${subvolumePath} and the snapshot are not changed.`
      );
    case 'rollback':
      return (
        `${subvolumePath} goes back to the state of ${snapshotName}: everything written to it since is replaced. ` +
        'Its current state is kept first, as a snapshot held as “pre-restore” that is never pruned until you release it, ' +
        'so this can be undone by restoring that snapshot.'
      );
    case 'files': {
      const n = form.paths.length;
      const what = n === 1 ? form.paths[0] : `${n} picked files and directories`;
      return (
        `${what} ${n === 1 ? 'is' : 'are'} copied from ${snapshotName} back into ${subvolumePath}, at the same place. ` +
        (form.overwrite
          ? 'Files that exist there now are replaced by the snapshot’s copy.'
          : 'Files that exist there now are kept: the restored copy is written beside each as NAME.restored-<time>.')
      );
    }
  }
}

/** A copy onto another server (mode `snapshot` with a destination server), in plain words. */
export function describeCopy(snapshotName: string, target: string, serverName: string | undefined, directory: string, subvolumePath: string): string {
  const dir = directory.trim() === '' ? '(the directory you enter)' : directory.trim().replace(/\/+$/, '');
  return (
    `Receives snapshot ${snapshotName} from its replica on ${target} into ${dir}/${snapshotName} on server ` +
    `${serverName ?? '(the server you choose)'} as a read-only copy: incrementally (only the differences) if an ` +
    'earlier copy of an older snapshot is in that directory, otherwise in full. The catalog is not changed: it keeps ' +
    `describing the primary, and ${subvolumePath} and its snapshots are not touched.`
  );
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
    return describeCopy(snapshotName, from?.target ?? '(the replica you choose)', copyServerName, form.copyDirectory, subvolumePath);
  }
  const mode = describeMode(form, snapshotName, subvolumePath);
  if (!from) return mode;
  return `${describeReceive(snapshotName, from)} ${form.mode === 'snapshot' ? mode : `Then: ${mode}`}`;
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
