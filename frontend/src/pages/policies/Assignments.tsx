// The subvolumes following a policy: unassign one, assign another.
import { Anchor, Button, Group, Select, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { type Policy, useAssignPolicy, useUnassignPolicy } from '../../api/policyQueries';
import { useCanOperate, useSubvolumes } from '../../api/queries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Section } from '../../components/Section';
import { useTranslation } from 'react-i18next';

export function Assignments({ policy }: { policy: Policy }) {
  const { t } = useTranslation(['policies', 'subvolumes', 'common']);
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
    <Section id="assignments-title" title={t('assign.title')}>
      {subvolumes.isError && <ErrorNotice title={t('subvolumes:list.failed')} error={subvolumes.error} />}
      {following.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('assign.none')}
        </Text>
      ) : (
        <Stack gap={4} component="ul" aria-label={t('assign.label')} p={0} m={0} style={{ listStyle: 'none' }}>
          {following.map((s) => (
            <Group key={s.id} component="li" justify="space-between" wrap="nowrap" data-testid="assigned-subvolume">
              <Anchor component={Link} to={`/subvolumes/${s.id}`} size="sm" style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
                {s.name} <Text span c="dimmed" ff="monospace" size="xs">{s.path}</Text>
              </Anchor>
              {canOperate && (
                <Button size="xs" variant="default" style={{ flexShrink: 0 }} onClick={() => unassign.mutate(s.id)} loading={unassign.isPending && unassign.variables === s.id} aria-label={t('assign.unassignLabel', { name: s.name })}>
                  {t('assign.unassign')}
                </Button>
              )}
            </Group>
          ))}
        </Stack>
      )}
      {canOperate && others.length > 0 && (
        <Group align="flex-end" gap="sm" wrap="wrap">
          <Select
            label={t('assign.to')}
            description={t('assign.toHelp')}
            placeholder={t('assign.choose')}
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
            {t('assign.assign')}
          </Button>
        </Group>
      )}
      {error && <ErrorNotice title={t('assign.failed')} error={error} />}
    </Section>
  );
}
