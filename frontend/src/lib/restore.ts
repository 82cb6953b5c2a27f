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

/** What the restore dialog holds. */
export interface RestoreForm {
  mode: RestoreMode;
  destination: string;
  paths: string[];
  overwrite: boolean;
  /** What was typed to confirm a rollback. */
  confirmName: string;
}

/** The form's problems per request field (empty: it may be sent). */
export function restoreProblems(form: RestoreForm, subvolumeName: string): Partial<Record<'destination' | 'paths' | 'confirm', string>> {
  if (form.mode === 'new_subvolume') {
    const dest = form.destination.trim();
    if (dest === '') return { destination: 'Enter the new subvolume’s path.' };
    if (!dest.startsWith('/')) return { destination: 'An absolute path on the server, starting with /.' };
    if (dest.split('/').includes('..')) return { destination: 'The path must not contain “..”.' };
    return {};
  }
  if (form.mode === 'files') return form.paths.length === 0 ? { paths: 'Pick files or directories in the browser first.' } : {};
  return rollbackConfirmed(form.confirmName, subvolumeName) ? {} : { confirm: `Type ${subvolumeName} to confirm.` };
}

/** The request body for the form (only the fields its mode uses). */
export function restoreBody(form: RestoreForm, snapshotId: string): NewRestore {
  switch (form.mode) {
    case 'new_subvolume':
      return { mode: 'new_subvolume', snapshot_id: snapshotId, destination: form.destination.trim(), paths: [], overwrite: false };
    case 'files':
      return { mode: 'files', snapshot_id: snapshotId, paths: form.paths, overwrite: form.overwrite };
    case 'rollback':
      return { mode: 'rollback', snapshot_id: snapshotId, paths: [], overwrite: false };
  }
}

export const MODE_LABEL: Record<RestoreMode, string> = {
  new_subvolume: 'New subvolume',
  rollback: 'Rollback',
  files: 'Files',
};

/** What the restore will do, in plain words, before confirming. */
export function describeRestore(form: RestoreForm, snapshotName: string, subvolumePath: string): string {
  switch (form.mode) {
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
