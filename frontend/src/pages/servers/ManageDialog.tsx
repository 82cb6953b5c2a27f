// "Manage" on a subvolume found on a server's disk: the snapshot directory and the name.
import { Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { DiscoveredSubvolume, Server, Subvolume } from '../../api/client';
import { useManageSubvolume } from '../../api/queries';
import { FormActions, FormError } from '../../components/FormActions';
import { defaultSnapshotDir } from '../../lib/format';
import { useFormErrors } from '../../lib/useFormErrors';
import { Trans, useTranslation } from 'react-i18next';

export function ManageDialog({
  server,
  subvolume,
  onClose,
  onManaged,
}: {
  server: Server;
  subvolume: DiscoveredSubvolume | null;
  onClose: () => void;
  onManaged: (s: Subvolume) => void;
}) {
  const { t } = useTranslation(['servers', 'common']);
  return (
    <Modal opened={subvolume !== null} onClose={onClose} title={t('manage.title')} centered>
      {subvolume && (
        <ManageForm key={subvolume.path} server={server} subvolume={subvolume} onClose={onClose} onManaged={onManaged} />
      )}
    </Modal>
  );
}

function ManageForm({
  server,
  subvolume,
  onClose,
  onManaged,
}: {
  server: Server;
  subvolume: DiscoveredSubvolume;
  onClose: () => void;
  onManaged: (s: Subvolume) => void;
}) {
  const { t } = useTranslation(['servers', 'common']);
  const [snapshotDir, setSnapshotDir] = useState(() => defaultSnapshotDir(subvolume.path, server.allowed_roots));
  const [name, setName] = useState('');
  const manage = useManageSubvolume();
  const defaultName = subvolume.path.split('/').filter(Boolean).pop() ?? '';
  // the server's problems (about the directory too) show above the buttons
  const form = useFormErrors({ snapshot_dir: snapshotDir.trim().startsWith('/') ? null : t('manage.absolute') }, null);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form.check()) return;
    const trimmed = name.trim();
    manage.mutate(
      { server_id: server.id, path: subvolume.path, snapshot_dir: snapshotDir.trim(), ...(trimmed ? { name: trimmed } : {}) },
      { onSuccess: onManaged },
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label={t('manage.title')}>
      <Stack gap="md">
        <Text size="sm">
          <Trans
            t={t}
            i18nKey="manage.intro"
            values={{ path: subvolume.path, server: server.name }}
            components={{ mono: <Text span ff="monospace" /> }}
          />
        </Text>
        <TextInput
          label={t('manage.dir')}
          description={t('manage.dirHelp')}
          value={snapshotDir}
          onChange={(e) => setSnapshotDir(e.currentTarget.value)}
          error={form.error('snapshot_dir')}
          autoComplete="off"
          required
        />
        <TextInput
          label={t('manage.name')}
          description={t('manage.nameHelp', { name: defaultName })}
          placeholder={defaultName}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          autoComplete="off"
        />
        <FormError error={manage.error} title={t('manage.failed')} />
        <FormActions submitLabel={t('discovered.manage')} pending={manage.isPending} onCancel={onClose} />
      </Stack>
    </form>
  );
}
