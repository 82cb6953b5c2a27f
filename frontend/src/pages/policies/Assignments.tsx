// The subvolumes following a policy: unassign one, assign another.
import { Anchor, Button, Group, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { type Policy, useAssignPolicy, useUnassignPolicy } from '../../api/policyQueries';
import { useCanOperate, useSubvolumes } from '../../api/queries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Section } from '../../components/Section';

export function Assignments({ policy }: { policy: Policy }) {
  const subvolumes = useSubvolumes();
  const canOperate = useCanOperate();
  const assign = useAssignPolicy();
  const unassign = useUnassignPolicy();
  const [choice, setChoice] = useState<string | null>(null);
  const managed = (subvolumes.data ?? []).filter((s) => s.managed);
  const following = managed.filter((s) => policy.subvolumes.includes(s.id));
  const others = managed.filter((s) => !policy.subvolumes.includes(s.id));
  const error = assign.error ?? unassign.error;
  return (
    <Section id="assignments-title" title="Subvolumes following this policy">
      {subvolumes.isError && <ErrorNotice title="Could not load subvolumes" error={subvolumes.error} />}
      {following.length === 0 ? (
        <Text size="sm" c="dimmed">
          None yet.
        </Text>
      ) : (
        <Stack gap={4} component="ul" aria-label="Assigned subvolumes" p={0} m={0} style={{ listStyle: 'none' }}>
          {following.map((s) => (
            <Group key={s.id} component="li" justify="space-between" wrap="nowrap" data-testid="assigned-subvolume">
              <Anchor component={Link} to={`/subvolumes/${s.id}`} size="sm" style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
                {s.name} <Text span c="dimmed" ff="monospace" size="xs">{s.path}</Text>
              </Anchor>
              {canOperate && (
                <Button size="xs" variant="default" style={{ flexShrink: 0 }} onClick={() => unassign.mutate(s.id)} loading={unassign.isPending && unassign.variables === s.id} aria-label={`Unassign ${s.name}`}>
                  Unassign
                </Button>
              )}
            </Group>
          ))}
        </Stack>
      )}
      {canOperate && others.length > 0 && (
        <Group align="flex-end" gap="sm" wrap="wrap">
          <Select
            label="Assign to subvolume"
            description="A subvolume follows at most one policy: this replaces its current one."
            placeholder="Choose a subvolume"
            data={others.map((s) => ({ value: s.id, label: `${s.name} (${s.path})` }))}
            value={choice}
            onChange={setChoice}
            searchable
            miw={260}
          />
          <Button
            disabled={!choice}
            loading={assign.isPending}
            onClick={() => choice && assign.mutate({ subvolumeId: choice, policyId: policy.id }, { onSuccess: () => setChoice(null) })}
          >
            Assign
          </Button>
        </Group>
      )}
      {error && <ErrorNotice title="Could not change the assignment" error={error} />}
    </Section>
  );
}
