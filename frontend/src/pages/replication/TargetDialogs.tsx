// Adding a target to a subvolume and changing one: the same form in a dialog.
import { Modal, NativeSelect, NumberInput, Stack, Switch, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { Server, Subvolume } from '../../api/client';
import { type Target, useAddTarget, useUpdateTarget } from '../../api/replicationQueries';
import { FormActions, FormError } from '../../components/FormActions';
import { fieldError } from '../../lib/fieldError';
import { useTranslation } from 'react-i18next';

interface TargetValues {
  server_id: string | null;
  directory: string;
  strict_incremental: boolean;
  missing: 'newest_only' | 'send_all';
  rate_limit: number | string;
}

const FIELDS = ['server_id', 'directory', 'rate_limit_bytes_per_sec', 'strict_incremental', 'missing'];

function TargetForm({
  initial,
  servers,
  editing,
  pending,
  error,
  onSubmit,
  onCancel,
}: {
  initial: TargetValues;
  servers: Server[];
  editing: boolean;
  pending: boolean;
  error: unknown;
  onSubmit: (v: TargetValues) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation(['replication', 'common']);
  const [v, setV] = useState(initial);
  // the checks' messages as of the last submit attempt (they stay until the next one)
  const [local, setLocal] = useState<Record<string, string>>({});
  const set = (p: Partial<TargetValues>) => setV((old) => ({ ...old, ...p }));
  const submit = () => {
    const errs: Record<string, string> = {};
    if (!v.server_id) errs.server_id = t('targetForm.chooseServer');
    if (!v.directory.startsWith('/')) errs.directory = t('targetForm.absolute');
    setLocal(errs);
    if (Object.keys(errs).length === 0) onSubmit(v);
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <Stack gap="sm">
        <NativeSelect
          label={t('common:noun.server')}
          required
          disabled={editing}
          data={[
            { value: '', label: t('targetForm.chooseRemote') },
            ...servers.map((s) => ({ value: s.id, label: `${s.name} (${s.allowed_roots.join(', ')})` })),
          ]}
          value={v.server_id ?? ''}
          onChange={(e) => set({ server_id: e.currentTarget.value || null })}
          error={local.server_id ?? fieldError(error, 'server_id')}
        />
        <TextInput
          label={t('target.directory')}
          description={t('targetForm.directoryHelp')}
          required
          value={v.directory}
          onChange={(e) => set({ directory: e.currentTarget.value })}
          error={local.directory ?? fieldError(error, 'directory')}
        />
        <NativeSelect
          label={t('targetForm.send')}
          data={[
            { value: 'newest_only', label: t('targetForm.newestOnly') },
            { value: 'send_all', label: t('targetForm.sendAll') },
          ]}
          value={v.missing}
          onChange={(e) => set({ missing: e.currentTarget.value as TargetValues['missing'] })}
        />
        <Switch
          label={t('targetForm.strict')}
          checked={v.strict_incremental}
          onChange={(e) => set({ strict_incremental: e.currentTarget.checked })}
        />
        <NumberInput
          label={t('targetForm.rate')}
          description={t('targetForm.rateHelp')}
          min={1}
          value={v.rate_limit}
          onChange={(n) => set({ rate_limit: n })}
          error={fieldError(error, 'rate_limit_bytes_per_sec')}
        />
        <FormError error={error} fields={FIELDS} title={editing ? t('targetForm.changeFailed') : t('targetForm.addFailed')} />
        <FormActions submitLabel={editing ? t('common:actions.save') : t('targets.add')} pending={pending} onCancel={onCancel} />
      </Stack>
    </form>
  );
}

const rateLimit = (v: number | string) => (typeof v === 'number' ? v : null);

export function AddTargetDialog({ subvolume, servers, onClose }: { subvolume: Subvolume; servers: Server[]; onClose: () => void }) {
  const { t } = useTranslation(['replication', 'common']);
  const add = useAddTarget(subvolume.id);
  return (
    <Modal opened onClose={onClose} title={t('targetForm.addTitle', { name: subvolume.name })} centered size="lg">
      <TargetForm
        initial={{ server_id: null, directory: '', strict_incremental: false, missing: 'newest_only', rate_limit: '' }}
        servers={servers}
        editing={false}
        pending={add.isPending}
        error={add.error}
        onCancel={onClose}
        onSubmit={(v) =>
          add.mutate(
            {
              server_id: v.server_id ?? '',
              directory: v.directory,
              strict_incremental: v.strict_incremental,
              missing: v.missing,
              ...(rateLimit(v.rate_limit) !== null ? { rate_limit_bytes_per_sec: rateLimit(v.rate_limit)! } : {}),
            },
            { onSuccess: onClose },
          )
        }
      />
    </Modal>
  );
}

export function EditTargetDialog({ target, servers, onClose }: { target: Target; servers: Server[]; onClose: () => void }) {
  const { t } = useTranslation(['replication', 'common']);
  const update = useUpdateTarget(target.id);
  return (
    <Modal opened onClose={onClose} title={t('targetForm.editTitle')} centered size="lg">
      <TargetForm
        initial={{
          server_id: target.server_id,
          directory: target.directory,
          strict_incremental: target.strict_incremental,
          missing: target.missing,
          rate_limit: target.rate_limit_bytes_per_sec ?? '',
        }}
        servers={servers}
        editing
        pending={update.isPending}
        error={update.error}
        onCancel={onClose}
        onSubmit={(v) =>
          update.mutate(
            {
              directory: v.directory,
              strict_incremental: v.strict_incremental,
              missing: v.missing,
              rate_limit_bytes_per_sec: rateLimit(v.rate_limit),
            },
            { onSuccess: onClose },
          )
        }
      />
    </Modal>
  );
}
