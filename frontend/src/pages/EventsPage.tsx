// The audit timeline, searched on the server: type, subject (an id), time range and
// text, kept in the URL (`?q=`, the API's search string: lib/eventSearch), with "Load
// older" paging and an export of the loaded rows as CSV or JSON.
import { Button, Card, Group, Skeleton, Stack, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { AuditEvent } from '../api/client';
import { useTimeline } from '../api/queries';
import { ErrorNotice } from '../components/ErrorNotice';
import { EventTable } from '../components/EventTable';
import { compose, decompose, type EventSearch, localToRfc3339, rfc3339ToLocal, toCsv } from '../lib/eventSearch';
import { fieldError } from '../lib/fieldError';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { useTranslation } from 'react-i18next';

// i18n-ignore: event type names are the search's terms (`kind:<Type>`), not words
const KNOWN_TYPES = [
  'SnapshotCreated',
  'SnapshotCreateFailed',
  'SnapshotDeleted',
  'SnapshotPruned',
  'ReplicationRequested',
  'ReplicationTargetSucceeded',
  'ReplicationTargetFailed',
  'ReplicationFinished',
  'JobFailed',
  'RestoreRequested',
  'RestoreSucceeded',
  'RestoreFailed',
  'ServerRegistered',
  'SubvolumeManaged',
  'PolicyCreated',
  'NotificationQueued',
  'NotificationDelivered',
  'NotificationAttemptFailed',
  'SessionStarted',
  'LoginFailed',
];

/** Saves `text` as a file named `name` in the browser. */
function download(name: string, type: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

function exportRows(rows: AuditEvent[], format: 'csv' | 'json') {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  if (format === 'json') {
    // i18n-ignore: a file name
    download(`events-${stamp}.json`, 'application/json', JSON.stringify(rows, null, 2));
    return;
  }
  // i18n-ignore: the export's column names are a data format, kept English and stable
  const header = ['seq', 'recorded_at', 'event_type', 'actor', 'summary', 'stream_id', 'correlation_id', 'subjects'];
  const body = rows.map((e) => [e.seq, e.recorded_at, e.event_type, e.actor, e.summary, e.stream_id, e.correlation_id, e.subjects.join(' ')]);
  // i18n-ignore: a file name
  download(`events-${stamp}.csv`, 'text/csv', toCsv(header, body));
}

export function EventsPage() {
  const { t } = useTranslation(['events', 'common']);
  useDocumentTitle(t('title'));
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const timeline = useTimeline(q);
  const [draft, setDraft] = useState<EventSearch>(() => decompose(q));
  const [applied, setApplied] = useState(q);
  // The URL changed under us (a link, back/forward): show its search in the form.
  if (applied !== q) {
    setApplied(q);
    setDraft(decompose(q));
  }

  const loaded = useMemo(() => timeline.data?.pages.flatMap((p) => p.items) ?? [], [timeline.data]);
  const searchError = fieldError(timeline.error, 'q');

  function onSearch(e: FormEvent) {
    e.preventDefault();
    const next = compose(draft);
    setParams(next ? { q: next } : {});
  }

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={2}>{t('title')}</Title>
        <Group gap="xs">
          <Button variant="default" onClick={() => exportRows(loaded, 'csv')} disabled={loaded.length === 0}>
            {t('exportCsv')}
          </Button>
          <Button variant="default" onClick={() => exportRows(loaded, 'json')} disabled={loaded.length === 0}>
            {t('exportJson')}
          </Button>
          <Button variant="default" onClick={() => void timeline.refetch()} loading={timeline.isRefetching && !timeline.isFetchingNextPage}>
            {t('common:actions.refresh')}
          </Button>
        </Group>
      </Group>

      <Card withBorder padding="md" radius="md">
        <form onSubmit={onSearch} aria-label={t('search.label')} noValidate>
          <Group gap="sm" align="flex-end" wrap="wrap">
            <TextInput
              label={t('search.text')}
              placeholder={t('search.textHint')}
              value={draft.text}
              onChange={(e) => setDraft({ ...draft, text: e.currentTarget.value })}
              miw={200}
              style={{ flex: 1 }}
            />
            <TagsInput
              label={t('search.types')}
              placeholder={t('search.any')}
              data={KNOWN_TYPES}
              value={draft.kinds}
              onChange={(kinds) => setDraft({ ...draft, kinds })}
              miw={220}
            />
            <TextInput
              label={t('search.about')}
              placeholder={t('search.aboutHint')}
              value={draft.subject}
              onChange={(e) => setDraft({ ...draft, subject: e.currentTarget.value })}
              w={300}
            />
            <TextInput
              label={t('search.from')}
              type="datetime-local"
              value={rfc3339ToLocal(draft.from)}
              onChange={(e) => setDraft({ ...draft, from: localToRfc3339(e.currentTarget.value) })}
            />
            <TextInput
              label={t('search.to')}
              type="datetime-local"
              value={rfc3339ToLocal(draft.to)}
              onChange={(e) => setDraft({ ...draft, to: localToRfc3339(e.currentTarget.value) })}
            />
            <Button type="submit">{t('search.run')}</Button>
            {q && (
              <Button variant="subtle" onClick={() => setParams({})} aria-label={t('search.clearLabel')}>
                {t('search.clear')}
              </Button>
            )}
          </Group>
        </form>
      </Card>

      <Card withBorder padding="md" radius="md">
        {timeline.isPending && <Skeleton h={200} />}
        {timeline.isError && !timeline.data && (
          <ErrorNotice
            title={searchError ? t('search.invalid') : t('failed')}
            error={timeline.error}
            onRetry={searchError ? undefined : () => void timeline.refetch()}
          />
        )}
        {timeline.data && (
          <Stack gap="sm">
            <Text size="sm" c="dimmed" role="status" data-testid="events-count">
              {q ? t('countMatching', { count: loaded.length }) : t('count', { count: loaded.length })}
            </Text>
            {loaded.length > 0 ? (
              <EventTable events={loaded} caption={t('caption')} />
            ) : (
              <Text c="dimmed" size="sm">
                {q ? t('noMatch') : t('nothing')}
              </Text>
            )}
            {timeline.isFetchNextPageError && <ErrorNotice title={t('olderFailed')} error={timeline.error} />}
            <Group justify="center">
              {timeline.hasNextPage ? (
                <Button variant="light" onClick={() => void timeline.fetchNextPage()} loading={timeline.isFetchingNextPage}>
                  {t('older')}
                </Button>
              ) : (
                loaded.length > 0 && (
                  <Text size="sm" c="dimmed">
                    {q ? t('allMatching') : t('beginning')}
                  </Text>
                )
              )}
            </Group>
          </Stack>
        )}
      </Card>
    </Stack>
  );
}
