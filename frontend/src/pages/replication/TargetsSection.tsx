// The targets of each managed subvolume (add, edit, remove; open one for its replicas) and
// its RPO.
import { Anchor, Button, Group, NumberInput, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import type { Server, Subvolume } from '../../api/client';
import { useCanOperate, useSubvolumes } from '../../api/queries';
import { type Target, type TargetHealth, useRemoveTarget, useSetRpo } from '../../api/replicationQueries';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { FormError } from '../../components/FormActions';
import { Mono } from '../../components/Mono';
import { QueryState } from '../../components/QueryState';
import { formatDuration } from '../../components/ReplicationHealth';
import { Section } from '../../components/Section';
import { fieldError } from '../../lib/fieldError';
import { shortUuid } from '../../lib/format';
import { useConfirm } from '../../lib/useConfirm';
import { rate } from './labels';
import { AddTargetDialog, EditTargetDialog } from './TargetDialogs';
import { Trans, useTranslation } from 'react-i18next';

function RpoForm({ subvolume, current }: { subvolume: Subvolume; current: TargetHealth | undefined }) {
  const { t: translate } = useTranslation(['replication', 'common']);
  const setRpo = useSetRpo(subvolume.id);
  const [hours, setHours] = useState<number | string>('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setRpo.mutate(typeof hours === 'number' ? Math.round(hours * 3600) : null);
      }}
    >
      <Group gap="xs" align="flex-end" wrap="wrap">
        <NumberInput
          label={translate('replication:targets.rpoLabel', { name: subvolume.name })}
          description={
            current
              ? translate(`replication:targets.rpoNow.${current.rpo_source}`, { rpo: formatDuration(current.rpo_seconds) })
              : translate('replication:targets.rpoEmpty')
          }
          min={0.02}
          step={1}
          decimalScale={2}
          value={hours}
          onChange={setHours}
          error={fieldError(setRpo.error, 'rpo_seconds')}
          maw={260}
        />
        <Button type="submit" variant="default" loading={setRpo.isPending}>
          {translate('replication:targets.setRpo')}
        </Button>
      </Group>
      <FormError error={setRpo.error} fields={['rpo_seconds']} title={translate('replication:targets.rpoFailed')} />
    </form>
  );
}

function TargetRow({ target, serverName, onEdit, onRemove }: {
  target: Target;
  serverName: string | undefined;
  onEdit?: () => void;
  onRemove?: () => void;
}) {
  const { t: translate } = useTranslation(['replication', 'common']);
  const t = target;
  return (
    <Group justify="space-between" wrap="wrap" gap="xs" data-testid="target-row" data-directory={t.directory}>
      <Stack gap={0}>
        <Anchor component={Link} to={`/replication/targets/${t.id}`} size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
          {serverName ?? shortUuid(t.server_id)}:{t.directory}
        </Anchor>
        <Text size="xs" c="dimmed">
          {t.missing === 'send_all' ? translate('replication:target.sendAll') : translate('replication:targets.newestOnly')}
          {t.strict_incremental ? ` · ${translate('replication:targets.strict')}` : ''}
          {t.rate_limit_bytes_per_sec ? ` · ≤ ${rate(t.rate_limit_bytes_per_sec)}` : ''}
        </Text>
      </Stack>
      <Group gap="xs">
        <Button component={Link} to={`/replication/targets/${t.id}`} size="xs" variant="subtle" aria-label={translate('replication:targets.replicasOn', { directory: t.directory })}>
          {translate('replication:replicas.title')}
        </Button>
        {onEdit && onRemove && (
          <>
            <Button size="xs" variant="default" onClick={onEdit} aria-label={translate('replication:targets.editLabel', { directory: t.directory })}>
              {translate('common:actions.edit')}
            </Button>
            <Button size="xs" variant="light" color="red" onClick={onRemove} aria-label={translate('replication:targets.removeLabel', { directory: t.directory })}>
              {translate('common:actions.remove')}
            </Button>
          </>
        )}
      </Group>
    </Group>
  );
}

export function TargetsSection({ targets, servers, health }: { targets: Target[]; servers: Server[]; health: TargetHealth[] }) {
  const { t: translate } = useTranslation(['replication', 'subvolumes', 'common']);
  const canOperate = useCanOperate();
  const subvolumes = useSubvolumes();
  const remove = useRemoveTarget();
  const removing = useConfirm<Target>(remove);
  const [adding, setAdding] = useState<Subvolume | null>(null);
  const [editing, setEditing] = useState<Target | null>(null);
  const serverName = new Map(servers.map((s) => [s.id, s.name]));
  const candidates = (sv: Subvolume) => servers.filter((s) => s.transport.kind === 'ssh' && s.id !== sv.server_id);

  return (
    <Section id="targets-title" title={translate('replication:targets.title')}>
      <QueryState query={subvolumes} errorTitle={translate('subvolumes:list.failed')} skeleton={60} retry={false}>
        {(all) => {
          const managed = all.filter((s) => s.managed);
          if (managed.length === 0) {
            return (
              <Text size="sm" c="dimmed">
                {translate('replication:targets.noSubvolumes')}
              </Text>
            );
          }
          return managed.map((sv) => {
            const mine = targets.filter((t) => t.subvolume_id === sv.id);
            return (
              <Stack key={sv.id} gap="xs" data-testid="subvolume-targets" data-name={sv.name}>
                <Group justify="space-between" wrap="wrap">
                  <Anchor component={Link} to={`/subvolumes/${sv.id}`} fw={600} size="sm">
                    {sv.name}
                  </Anchor>
                  {canOperate && (
                    <Button size="xs" variant="light" onClick={() => setAdding(sv)} aria-label={translate('replication:targets.addLabel', { name: sv.name })}>
                      {translate('replication:targets.add')}
                    </Button>
                  )}
                </Group>
                {mine.length === 0 && (
                  <Text size="sm" c="dimmed">
                    {translate('replication:targets.none')}
                  </Text>
                )}
                {mine.map((t) => (
                  <TargetRow
                    key={t.id}
                    target={t}
                    serverName={serverName.get(t.server_id)}
                    {...(canOperate ? { onEdit: () => setEditing(t), onRemove: () => removing.open(t) } : {})}
                  />
                ))}
                {canOperate && <RpoForm subvolume={sv} current={health.find((h) => h.subvolume_id === sv.id)} />}
              </Stack>
            );
          });
        }}
      </QueryState>
      {adding && <AddTargetDialog subvolume={adding} servers={candidates(adding)} onClose={() => setAdding(null)} />}
      {editing && <EditTargetDialog target={editing} servers={servers} onClose={() => setEditing(null)} />}
      <ConfirmDialog
        {...removing.dialog}
        title={translate('replication:targets.removeTitle')}
        confirmLabel={translate('replication:targets.removeConfirm')}
        danger
        errorTitle={translate('replication:targets.removeFailed')}
        onConfirm={() => {
          if (removing.subject) remove.mutate(removing.subject.id, { onSuccess: removing.close });
        }}
      >
        <Text size="sm">
          <Trans
            t={translate}
            i18nKey="targets.removeText"
            values={{ directory: removing.subject?.directory }}
            components={{ mono: <Mono>{null}</Mono> }}
          />
        </Text>
      </ConfirmDialog>
    </Section>
  );
}
