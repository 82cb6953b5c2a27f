// A snapshot's (or replica's) files: the directory's breadcrumb, its entries (name with an
// icon by kind, size, modified, mode as rwx, symlink target), "Load more" through the
// listing's cursor, a download link per regular file and, when `picked` is given,
// checkboxes to pick files and directories for a files restore.
import { Anchor, Breadcrumbs, Button, Checkbox, Group, Stack, Text, UnstyledButton } from '@mantine/core';
import type { ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { type TreeEntry, type TreeEntryKind, type TreeSource, fileUrl, useTree } from '../../api/restoreQueries';
import { IconFile, IconFolder, IconSpecialFile, IconSymlink } from '../../components/icons';
import { QueryState } from '../../components/QueryState';
import { type Column, ResponsiveTable } from '../../components/ResponsiveTable';
import { Time } from '../../components/Time';
import { formatBytes } from '../../lib/bytes';
import { t as translate } from '../../i18n';
import { breadcrumbs, formatMode, joinPath, octalMode } from '../../lib/restore';

const KIND_ICON: Record<TreeEntryKind, ComponentType<{ size?: number }>> = {
  file: IconFile,
  directory: IconFolder,
  symlink: IconSymlink,
  block_device: IconSpecialFile,
  char_device: IconSpecialFile,
  fifo: IconSpecialFile,
  socket: IconSpecialFile,
};

/** An entry's kind in words (restore.json's kind.<kind>); also the diff's file types. */
export const kindLabel = (kind: TreeEntryKind): string => translate(`restore:kind.${kind}`);

function EntryName({ entry, onOpen }: { entry: TreeEntry; onOpen: () => void }) {
  const { t } = useTranslation(['restore', 'common']);
  const Icon = KIND_ICON[entry.kind];
  const label = (
    <Group gap={6} wrap="nowrap" title={kindLabel(entry.kind)}>
      <Icon size={16} />
      <Text span size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
        {entry.name}
        {entry.kind === 'directory' ? '/' : ''}
      </Text>
    </Group>
  );
  if (entry.kind !== 'directory') return label;
  return (
    <UnstyledButton onClick={onOpen} aria-label={t('browser.open', { name: entry.name })} c="blue" data-testid="open-directory">
      {label}
    </UnstyledButton>
  );
}

export function FileBrowser({
  source,
  path,
  onPath,
  top,
  picked,
  onPick,
}: {
  source: TreeSource;
  /** The directory shown, relative to the top ('' is the top). */
  path: string;
  onPath: (path: string) => void;
  /** The top's name in the breadcrumb (the snapshot's). */
  top: string;
  /** Picked paths (relative to the top); checkboxes only when given. */
  picked?: string[];
  onPick?: (paths: string[]) => void;
}) {
  const { t } = useTranslation(['restore', 'common']);
  const tree = useTree(source, path);
  const entries = tree.data?.pages.flatMap((p) => p.entries) ?? [];
  const crumbs = breadcrumbs(path, top);
  const pickable = picked !== undefined && onPick !== undefined;
  const isPicked = (p: string) => picked?.includes(p) ?? false;
  const toggle = (p: string, on: boolean) => onPick?.(on ? [...(picked ?? []), p] : (picked ?? []).filter((x) => x !== p));

  const columns: Column<TreeEntry>[] = [
    ...(pickable
      ? [
          {
            label: t('browser.pick'),
            w: 44,
            bare: true,
            render: (e: TreeEntry) => (
              <Checkbox
                aria-label={t('browser.pickLabel', { name: e.name })}
                checked={isPicked(joinPath(path, e.name))}
                onChange={(ev) => toggle(joinPath(path, e.name), ev.currentTarget.checked)}
              />
            ),
          },
        ]
      : []),
    { label: t('common:noun.name'), bare: true, render: (e) => <EntryName entry={e} onOpen={() => onPath(joinPath(path, e.name))} /> },
    { label: t('common:noun.size'), w: 100, render: (e) => (e.kind === 'directory' ? '—' : formatBytes(e.size)) },
    { label: t('browser.modified'), w: 190, render: (e) => <Time at={e.mtime} /> },
    {
      label: t('browser.mode'),
      w: 110,
      render: (e) => (
        <Text span size="sm" ff="monospace" title={octalMode(e.mode)}>
          {formatMode(e.mode, e.kind)}
        </Text>
      ),
    },
    {
      label: t('browser.linkTarget'),
      // the server sends null for an absent target
      render: (e) =>
        e.kind === 'symlink' && e.symlink_target != null ? (
          <Text span size="sm" ff="monospace">
            → {e.symlink_target}
          </Text>
        ) : null,
    },
    {
      label: t('browser.download'),
      w: 100,
      end: true,
      bare: true,
      render: (e) =>
        e.kind === 'file' ? (
          <Anchor href={fileUrl(source, joinPath(path, e.name))} download={e.name} size="sm" aria-label={t('browser.downloadLabel', { name: e.name })}>
            {t('browser.download')}
          </Anchor>
        ) : null,
    },
  ];

  return (
    <Stack gap="sm" data-testid="file-browser" data-path={path}>
      <nav aria-label={t('browser.directory')}>
        <Breadcrumbs separator="/" style={{ flexWrap: 'wrap' }}>
          {crumbs.map((c, i) =>
            i === crumbs.length - 1 ? (
              <Text key={c.path} size="sm" ff="monospace" fw={600} aria-current="location">
                {c.label}
              </Text>
            ) : (
              <Anchor key={c.path} component="button" type="button" size="sm" ff="monospace" onClick={() => onPath(c.path)}>
                {c.label}
              </Anchor>
            ),
          )}
        </Breadcrumbs>
      </nav>
      <QueryState query={tree} errorTitle={t('browser.failed')} skeleton={120}>
        {() => (
          <>
            <Text size="sm" c="dimmed" role="status" data-testid="entries-count">
              {entries.length === 0
                ? t('browser.empty')
                : t(tree.hasNextPage ? 'browser.entriesMore' : 'browser.entries', { count: entries.length })}
            </Text>
            {entries.length > 0 && (
              <ResponsiveTable
                rows={entries}
                columns={columns}
                rowKey={(e) => e.name}
                caption={t('browser.caption')}
                rowProps={(e) => ({ 'data-testid': 'tree-entry', 'data-name': e.name, 'data-kind': e.kind })}
                minWidth={720}
              />
            )}
            {tree.hasNextPage && (
              <Group justify="center">
                <Button variant="default" onClick={() => void tree.fetchNextPage()} loading={tree.isFetchingNextPage}>
                  {t('common:actions.loadMore')}
                </Button>
              </Group>
            )}
          </>
        )}
      </QueryState>
    </Stack>
  );
}
