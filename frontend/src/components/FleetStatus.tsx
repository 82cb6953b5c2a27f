// The fleet status card of the Overview: one verdict computed by the server from
// everything that can be wrong (GET /status; /metrics has the same), and one row per
// problem linking to where it is fixed. "All healthy" shows only when the list is empty.
import { Anchor, Badge, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { FleetProblem, FleetStatus } from '../api/client';
import { useFleetStatus } from '../api/queries';
import { t as translate } from '../i18n';
import { QueryState } from './QueryState';
import { Time } from './Time';
import { Trans, useTranslation } from 'react-i18next';

type Severity = FleetStatus['status'];

// the verdict's words are components.json's verdict.<severity>
const VERDICT_COLOR: Record<Severity, string> = { ok: 'teal', warning: 'yellow', critical: 'red' };

/** Every kind of problem, in the order rules offer them. */
export const PROBLEM_KINDS: FleetProblem['kind'][] = [
  'replication_failing',
  'replication_late',
  'replication_never',
  'job_failed',
  'server_unreachable',
  'host_key_changed',
  'filesystem_full',
  'storage_unknown',
  'snapshot_failing',
  'snapshot_overdue',
  'hook_failing',
];

/** A kind of problem in words, in the dashboard's language. */
export function problemKind(kind: FleetProblem['kind']): string {
  return translate(`components:problemKind.${kind}`);
}

/** Where a problem is fixed: the target, the server, the subvolume, or the events. */
export function problemLink(p: FleetProblem): { to: string; label: string } {
  if (p.target_id) return { to: `/replication/targets/${p.target_id}`, label: translate('common:noun.target') };
  if (p.kind === 'job_failed') return { to: '/events', label: translate('common:noun.events') };
  if (p.subvolume_id) return { to: `/subvolumes/${p.subvolume_id}`, label: translate('common:noun.subvolume') };
  if (p.server_id) return { to: `/servers/${p.server_id}`, label: translate('common:noun.server') };
  return { to: '/events', label: translate('common:noun.events') };
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  const { t } = useTranslation(['components', 'common']);
  return (
    <Badge color={VERDICT_COLOR[severity]} variant="light" radius="sm" data-severity={severity}>
      {t(`severity.${severity}`)}
    </Badge>
  );
}

function Problems({ problems }: { problems: FleetProblem[] }) {
  const { t } = useTranslation(['components', 'common']);
  return (
    <Table.ScrollContainer minWidth={520}>
      <Table aria-label={t('problems.label')} verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('problems.severity')}</Table.Th>
            <Table.Th>{t('problems.problem')}</Table.Th>
            <Table.Th>{t('problems.since')}</Table.Th>
            <Table.Th>{t('problems.fixAt')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {problems.map((p, i) => {
            const link = problemLink(p);
            return (
              <Table.Tr key={`${p.kind}-${i}`} data-testid="status-problem" data-kind={p.kind}>
                <Table.Td>
                  <SeverityBadge severity={p.severity} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {problemKind(p.kind)}
                  </Text>
                  <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                    {p.summary}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Time at={p.since} />
                </Table.Td>
                <Table.Td>
                  <Anchor component={Link} to={link.to} size="sm">
                    {link.label}
                  </Anchor>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function FleetStatusCard() {
  const { t } = useTranslation(['components', 'common']);
  const status = useFleetStatus();
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="fleet-status-title">
      <QueryState query={status} errorTitle={t('fleet.failed')} skeleton={90}>
        {(data) => (
          <Stack gap="sm">
            <Group justify="space-between" wrap="wrap">
              <Title order={2} size="h4" id="fleet-status-title">
                {t('fleet.title')}
              </Title>
              <Badge size="lg" color={VERDICT_COLOR[data.status]} data-testid="fleet-status" data-status={data.status}>
                {t(`verdict.${data.status}`)}
              </Badge>
            </Group>
            {data.problems.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t('fleet.nothingWrong', { percent: data.usage_warning_percent })}
              </Text>
            ) : (
              <>
                <Text size="sm">
                  {t('fleet.problemCount', { count: data.problems.length })}
                </Text>
                <Problems problems={data.problems} />
              </>
            )}
            <Text size="xs" c="dimmed">
              <Trans t={t} i18nKey="fleet.checkedAt" components={{ time: <Time at={data.checked_at} /> }} />
            </Text>
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}
