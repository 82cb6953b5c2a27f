// The fleet status card of the Overview: one verdict computed by the server from
// everything that can be wrong (GET /status; /metrics has the same), and one row per
// problem linking to where it is fixed. "All healthy" shows only when the list is empty.
import { Anchor, Badge, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { FleetProblem, FleetStatus } from '../api/client';
import { useFleetStatus } from '../api/queries';
import { QueryState } from './QueryState';
import { Time } from './Time';

type Severity = FleetStatus['status'];

const VERDICT: Record<Severity, { label: string; color: string }> = {
  ok: { label: 'All healthy', color: 'teal' },
  warning: { label: 'Needs attention', color: 'yellow' },
  critical: { label: 'Critical', color: 'red' },
};

export const PROBLEM_KINDS: Record<FleetProblem['kind'], string> = {
  replication_failing: 'Replication failing',
  replication_late: 'Replication late',
  replication_never: 'Never replicated',
  job_failed: 'Job failed',
  server_unreachable: 'Server unreachable',
  host_key_changed: 'Host key changed',
  filesystem_full: 'Filesystem filling up',
  storage_unknown: 'Storage unreadable',
  snapshot_failing: 'Snapshots failing',
  snapshot_overdue: 'Snapshot overdue',
};

/** Where a problem is fixed: the target, the server, the subvolume, or the events. */
export function problemLink(p: FleetProblem): { to: string; label: string } {
  if (p.target_id) return { to: `/replication/targets/${p.target_id}`, label: 'Target' };
  if (p.kind === 'job_failed') return { to: '/events', label: 'Events' };
  if (p.subvolume_id) return { to: `/subvolumes/${p.subvolume_id}`, label: 'Subvolume' };
  if (p.server_id) return { to: `/servers/${p.server_id}`, label: 'Server' };
  return { to: '/events', label: 'Events' };
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  const v = VERDICT[severity];
  return (
    <Badge color={v.color} variant="light" radius="sm" data-severity={severity}>
      {severity}
    </Badge>
  );
}

function Problems({ problems }: { problems: FleetProblem[] }) {
  return (
    <Table.ScrollContainer minWidth={520}>
      <Table aria-label="Problems" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Severity</Table.Th>
            <Table.Th>Problem</Table.Th>
            <Table.Th>Since</Table.Th>
            <Table.Th>Fix at</Table.Th>
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
                    {PROBLEM_KINDS[p.kind]}
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
  const status = useFleetStatus();
  return (
    <Card withBorder padding="lg" radius="md" component="section" aria-labelledby="fleet-status-title">
      <QueryState query={status} errorTitle="Could not compute the fleet status" skeleton={90}>
        {(data) => (
          <Stack gap="sm">
            <Group justify="space-between" wrap="wrap">
              <Title order={2} size="h4" id="fleet-status-title">
                Fleet status
              </Title>
              <Badge size="lg" color={VERDICT[data.status].color} data-testid="fleet-status" data-status={data.status}>
                {VERDICT[data.status].label}
              </Badge>
            </Group>
            {data.problems.length === 0 ? (
              <Text size="sm" c="dimmed">
                Replication, jobs, servers, filesystems (threshold {data.usage_warning_percent}%) and schedules: nothing is wrong.
              </Text>
            ) : (
              <>
                <Text size="sm">
                  {data.problems.length} problem{data.problems.length === 1 ? '' : 's'}, worst first.
                </Text>
                <Problems problems={data.problems} />
              </>
            )}
            <Text size="xs" c="dimmed">
              Checked <Time at={data.checked_at} /> (every 30 s)
            </Text>
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}
