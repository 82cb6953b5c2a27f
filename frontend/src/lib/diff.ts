// The pure parts of comparing two snapshots: which one to compare with by default, the
// changes counted and filtered by kind, and how each is said.
import type { ChangeKind, DiffChange } from '../api/restoreQueries';
import { type Dated, newestOlder } from './restore';
import { t } from '../i18n';

export const CHANGE_KINDS: ChangeKind[] = ['added', 'modified', 'deleted', 'renamed'];

/** A filter of the change list: one kind, or all. */
export type KindFilter = ChangeKind | 'all';

export const KIND_COLOR: Record<ChangeKind, string> = {
  added: 'teal',
  modified: 'blue',
  deleted: 'red',
  renamed: 'grape',
};

/** The snapshot compared with by default: the one before it on the primary (null: it is the oldest there). */
export function previousSnapshot<S extends Dated>(snapshot: Dated, snapshots: S[]): S | null {
  return newestOlder(snapshot, snapshots);
}

/** How many changes of each kind, and in all. */
export function countByKind(changes: DiffChange[]): Record<KindFilter, number> {
  const counts: Record<KindFilter, number> = { all: changes.length, added: 0, modified: 0, deleted: 0, renamed: 0 };
  for (const c of changes) counts[c.kind] += 1;
  return counts;
}

export function filterChanges(changes: DiffChange[], kind: KindFilter): DiffChange[] {
  return kind === 'all' ? changes : changes.filter((c) => c.kind === kind);
}

/** The file type for people (`dir` → directory; `unknown`: the stream did not say). */
export function fileTypeLabel(fileType: string): string {
  switch (fileType) {
    case 'dir':
      return t('restore:kind.directory');
    case 'file':
      return t('restore:kind.file');
    case 'symlink':
      return t('restore:kind.symlink');
    case 'other':
      return t('restore:diff.other');
    default:
      return '—';
  }
}
