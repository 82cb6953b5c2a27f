// Restoring a snapshot: where from (the primary's snapshot, or a replica it is received back
// from first), what to do (bring it back only, or copy it to another server; a new
// subvolume, a rollback, or picked files), what that will do in plain words, then the
// restore itself followed until it succeeded or failed.
import { Alert, Button, Group, List, Modal, Radio, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { Snapshot, Subvolume } from '../../api/client';
import { type Replica, useRequestRestore } from '../../api/restoreQueries';
import { FormError } from '../../components/FormActions';
import { Mono } from '../../components/Mono';
import { fieldError } from '../../lib/fieldError';
import {
  type DialogMode,
  type RestoreForm,
  modeChoice,
  describeRestore,
  parentPath,
  receivesCopy,
  restoreBody,
  restoreProblems,
} from '../../lib/restore';
import { useFormErrors } from '../../lib/useFormErrors';
import { ReceiveOnChoice, useCopyServers } from './ReceiveOn';
import { RestoreProgress } from './RestoreStatus';
import { PRIMARY, SourceChoice, useReplicaSource } from './RestoreSource';
import { Trans, useTranslation } from 'react-i18next';

// the submit button's words are restore.json's dialog.submit.<mode>

/** The request fields shown next to their input (the rest show at the end of the form). */
const INLINE_FIELDS = ['destination', 'destination_server_id', 'paths', 'source_replica_id'];

/** The modes offered: bringing the snapshot back only makes sense from a replica. */
function modesFor(fromReplica: boolean): DialogMode[] {
  return fromReplica ? ['snapshot', 'new_subvolume', 'rollback', 'files'] : ['new_subvolume', 'rollback', 'files'];
}

export function RestoreDialog({
  snapshot,
  subvolume,
  picked,
  initialMode,
  replicas,
  replicaLabel,
  initialReplicaId,
  onClose,
}: {
  snapshot: Snapshot;
  subvolume: Subvolume;
  /** Paths picked in the file browser (for a files restore). */
  picked: string[];
  initialMode: DialogMode;
  replicas: Replica[];
  replicaLabel: (r: Replica) => string;
  /** The replica chosen first (a snapshot the primary lost can only come from one). */
  initialReplicaId?: string | null;
  onClose: () => void;
}) {
  const { t } = useTranslation(['restore', 'common']);
  const request = useRequestRestore();
  const onPrimary = snapshot.state === 'present';
  const [form, setForm] = useState<RestoreForm>({
    mode: initialMode,
    sourceReplicaId: initialReplicaId ?? null,
    destination: `${parentPath(subvolume.path)}/${snapshot.name}.restored`,
    // a snapshot the primary holds can only be copied elsewhere
    receiveOn: onPrimary ? 'server' : 'primary',
    copyServerId: null,
    copyDirectory: '',
    paths: picked,
    overwrite: false,
    confirmName: '',
  });
  const set = (p: Partial<RestoreForm>) => {
    setForm((old) => ({ ...old, ...p }));
    request.reset();
  };
  const problems = restoreProblems(form, subvolume.name);
  const errors = useFormErrors(problems, request.error);
  const replica = replicas.find((r) => r.id === form.sourceReplicaId);
  const from = useReplicaSource(snapshot, replica, replicaLabel);
  const servers = useCopyServers(subvolume);
  const copyOn = receivesCopy(form) ? servers.others.find((s) => s.id === form.copyServerId)?.name : undefined;
  const chooseSource = (value: string) => {
    const id = value === PRIMARY ? null : value;
    // receiving the snapshot (back onto the primary or as a copy elsewhere) needs a replica
    const mode = form.mode === 'snapshot' && id === null ? 'new_subvolume' : form.mode;
    set({ sourceReplicaId: id, mode });
  };
  const submit = () => {
    if (errors.check()) request.mutate(restoreBody(form, snapshot.id));
  };

  if (request.data) {
    return (
      <Modal opened onClose={onClose} title={t('dialog.title', { name: snapshot.name })} centered size="lg">
        <Stack gap="md">
          <RestoreProgress id={request.data.id} copyOn={copyOn} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common:actions.close')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    );
  }

  return (
    <Modal opened onClose={onClose} title={t('dialog.title', { name: snapshot.name })} centered size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Stack gap="md">
          <SourceChoice
            snapshot={snapshot}
            subvolumeId={subvolume.id}
            replicas={replicas}
            replicaLabel={replicaLabel}
            value={form.sourceReplicaId ?? PRIMARY}
            onChange={chooseSource}
            error={errors.error('source_replica_id')}
          />
          <Radio.Group label={t('dialog.what')} value={form.mode} onChange={(v) => set({ mode: v as DialogMode })}>
            <Group gap="lg" mt={6}>
              {modesFor(replica !== undefined).map((m) => (
                <Radio key={m} value={m} label={modeChoice(m)} />
              ))}
            </Group>
          </Radio.Group>

          {form.mode === 'snapshot' && (
            <ReceiveOnChoice form={form} set={set} subvolume={subvolume} onPrimary={onPrimary} servers={servers} error={errors.error} />
          )}

          {form.mode === 'new_subvolume' && (
            <TextInput
              label={t('dialog.destination')}
              description={t('dialog.destinationHelp')}
              required
              value={form.destination}
              onChange={(e) => set({ destination: e.currentTarget.value })}
              error={errors.error('destination')}
            />
          )}

          {form.mode === 'rollback' && (
            <>
              <Alert color="orange" variant="light" role="note" title={t('dialog.rollbackTitle')}>
                <Text size="sm">
                  <Trans t={t} i18nKey="dialog.rollbackText" values={{ path: subvolume.path }} components={{ mono: <Mono>{null}</Mono> }} />
                </Text>
              </Alert>
              <TextInput
                label={t('dialog.typeToConfirm', { name: subvolume.name })}
                autoComplete="off"
                value={form.confirmName}
                onChange={(e) => set({ confirmName: e.currentTarget.value })}
              />
            </>
          )}

          {form.mode === 'files' && (
            <Stack gap="xs">
              {form.paths.length === 0 ? (
                <Text size="sm" c={errors.touched ? 'red' : 'dimmed'}>
                  {t('dialog.nothingPicked')}
                </Text>
              ) : (
                <>
                  <Text size="sm">{t('dialog.picked', { count: form.paths.length })}</Text>
                  <List size="sm" spacing={2} aria-label={t('dialog.pickedLabel')}>
                    {form.paths.map((p) => (
                      <List.Item key={p}>
                        <Mono>{p}</Mono>
                      </List.Item>
                    ))}
                  </List>
                </>
              )}
              {fieldError(request.error, 'paths') && (
                <Text size="sm" c="red">
                  {fieldError(request.error, 'paths')}
                </Text>
              )}
              <Switch
                label={t('dialog.overwrite')}
                description={t('dialog.overwriteHelp')}
                checked={form.overwrite}
                onChange={(e) => set({ overwrite: e.currentTarget.checked })}
              />
            </Stack>
          )}

          <Alert color="blue" variant="light" role="note" title={t('dialog.whatHappens')}>
            <Text size="sm" data-testid="restore-summary">
              {describeRestore(form, snapshot.name, subvolume.path, from, copyOn)}
            </Text>
          </Alert>
          <FormError error={request.error} fields={INLINE_FIELDS} title={t('dialog.failed')} />
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={onClose}>
              {t('common:actions.cancel')}
            </Button>
            <Button
              type="submit"
              color={form.mode === 'rollback' ? 'red' : undefined}
              loading={request.isPending}
              disabled={form.mode === 'rollback' && problems.confirm !== undefined}
            >
              {form.mode === 'rollback'
                ? t('dialog.submit.rollback', { name: subvolume.name })
                : receivesCopy(form)
                  ? t('dialog.submit.copy')
                  : t(`dialog.submit.${form.mode}`)}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
