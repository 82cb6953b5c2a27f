import { describe, expect, it } from 'vitest';
import type { DiffChange } from '../api/restoreQueries';
import { snapshot } from '../test/fleet';
import { countByKind, fileTypeLabel, filterChanges, previousSnapshot } from './diff';

const change = (kind: DiffChange['kind'], path: string): DiffChange => ({ kind, path, file_type: 'file' });

describe('comparing snapshots', () => {
  it('compares with the snapshot taken before by default, on the primary only', () => {
    const all = [snapshot(4), snapshot(3, { state: 'vanished' }), snapshot(2), snapshot(1)];
    expect(previousSnapshot(snapshot(4), all)?.id).toBe(snapshot(2).id);
    expect(previousSnapshot(snapshot(2), all)?.id).toBe(snapshot(1).id);
    expect(previousSnapshot(snapshot(1), all)).toBeNull();
  });

  it('counts and filters the changes by kind', () => {
    const changes = [change('added', 'a'), change('added', 'b'), change('renamed', 'c'), change('deleted', 'd')];
    expect(countByKind(changes)).toEqual({ all: 4, added: 2, modified: 0, deleted: 1, renamed: 1 });
    expect(filterChanges(changes, 'added').map((c) => c.path)).toEqual(['a', 'b']);
    expect(filterChanges(changes, 'all')).toBe(changes);
  });

  it('names file types for people', () => {
    expect(fileTypeLabel('dir')).toBe('directory');
    expect(fileTypeLabel('symlink')).toBe('symbolic link');
    expect(fileTypeLabel('unknown')).toBe('—');
  });
});
