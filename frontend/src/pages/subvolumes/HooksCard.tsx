// A subvolume's snapshot hooks: the pre and post hook (chosen by name from its server's
// hooks directory), their timeout and how each last ran; admins edit them (./HooksForm).
import { Badge, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import type { HookRun, Subvolume } from '../../api/client';
import { useIsAdmin } from '../../api/accountQueries';
import { FactList } from '../../components/FactList';
import { Mono } from '../../components/Mono';
import { formatDuration } from '../../components/ReplicationHealth';
import { Section } from '../../components/Section';
import { Time } from '../../components/Time';
import { HooksForm } from './HooksForm';
import { Trans, useTranslation } from 'react-i18next';

// i18n-ignore: the argv a hook runs with, not language
const HOOK_ARGV = 'NAME pre|post SUBVOLUME SNAPSHOT';

const OUTCOMES = ['ok', 'failed', 'timed_out', 'not_found', 'unreachable'] as const;
type Outcome = (typeof OUTCOMES)[number];
const isOutcome = (o: string): o is Outcome => (OUTCOMES as readonly string[]).includes(o);

/** A run's outcome as a badge: teal when it succeeded, red otherwise. */
function OutcomeBadge({ outcome }: { outcome: string }) {
  const { t } = useTranslation('subvolumes');
  return (
    <Badge color={outcome === 'ok' ? 'teal' : 'red'} variant="light" radius="sm" tt="none" data-testid="hook-outcome" data-outcome={outcome}>
      {isOutcome(outcome) ? t(`hooks.outcome.${outcome}`) : outcome}
    </Badge>
  );
}

/** One hook: its name (or "none") and its last run, with the error output when it failed. */
function HookFact({ name, run, testId }: { name: string | null | undefined; run: HookRun | null | undefined; testId: string }) {
  const { t } = useTranslation(['subvolumes', 'common']);
  if (!name) {
    return (
      <Text span size="sm" c="dimmed" data-testid={testId}>
        {t('common:state.none')}
      </Text>
    );
  }
  return (
    <Stack gap={4} data-testid={testId}>
      <Mono>{name}</Mono>
      {run ? (
        <>
          <Group gap="xs" wrap="wrap" align="center">
            <Text span size="xs" c="dimmed">
              {t('hooks.lastRun')}
            </Text>
            <OutcomeBadge outcome={run.outcome} />
            {run.exit_code !== null && run.exit_code !== undefined && (
              <Text span size="sm">
                {t('hooks.exitCode', { code: run.exit_code })}
              </Text>
            )}
            <Time at={run.at} />
            <Text span size="sm">
              <Trans t={t} i18nKey="hooks.forSnapshot" values={{ snapshot: run.snapshot }} components={{ mono: <Mono>{null}</Mono> }} />
            </Text>
          </Group>
          {run.outcome !== 'ok' && run.message && (
            <Text size="xs" c="red" ff="monospace" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} data-testid="hook-message">
              {run.message}
            </Text>
          )}
        </>
      ) : (
        <Text span size="xs" c="dimmed">
          {t('hooks.notRun')}
        </Text>
      )}
    </Stack>
  );
}

export function HooksCard({ subvolume }: { subvolume: Subvolume }) {
  const { t } = useTranslation(['subvolumes', 'common']);
  const canEdit = useIsAdmin() && subvolume.managed;
  const [editing, setEditing] = useState(false);
  const { hooks } = subvolume;
  return (
    <Section
      id="subvolume-hooks-title"
      title={t('hooks.title')}
      extra={
        canEdit && (
          <Button size="xs" variant="default" onClick={() => setEditing(true)} aria-label={t('hooks.editLabel')}>
            {t('common:actions.edit')}
          </Button>
        )
      }
    >
      <Text size="sm" c="dimmed">
        <Trans t={t} i18nKey="hooks.explain" values={{ argv: HOOK_ARGV }} components={{ mono: <Mono>{null}</Mono> }} />
      </Text>
      <FactList
        label={t('hooks.title')}
        facts={[
          [t('hooks.pre'), <HookFact name={hooks.pre} run={hooks.last_pre} testId="hook-pre" />],
          [t('hooks.post'), <HookFact name={hooks.post} run={hooks.last_post} testId="hook-post" />],
          [t('hooks.timeout'), formatDuration(hooks.timeout_secs)],
        ]}
      />
      <Modal opened={editing} onClose={() => setEditing(false)} title={t('hooks.editTitle', { name: subvolume.name })} centered>
        {editing && <HooksForm subvolume={subvolume} onDone={() => setEditing(false)} />}
      </Modal>
    </Section>
  );
}
