// "Manage" on a subvolume found on a server's disk: the snapshot directory and the name.
import { Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import type { DiscoveredSubvolume, Server, Subvolume } from '../../api/client';
import { useManageSubvolume } from '../../api/queries';
import { FormActions, FormError } from '../../components/FormActions';
import { defaultSnapshotDir } from '../../lib/format';
import { useFormErrors } from '../../lib/useFormErrors';

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
  return (
    <Modal opened={subvolume !== null} onClose={onClose} title="Manage subvolume" centered>
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
  const [snapshotDir, setSnapshotDir] = useState(() => defaultSnapshotDir(subvolume.path, server.allowed_roots));
  const [name, setName] = useState('');
  const manage = useManageSubvolume();
  const defaultName = subvolume.path.split('/').filter(Boolean).pop() ?? '';
  // the server's problems (about the directory too) show above the buttons
  const form = useFormErrors({ snapshot_dir: snapshotDir.trim().startsWith('/') ? null : 'Enter an absolute path.' }, null);

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
    <form onSubmit={onSubmit} noValidate aria-label="Manage subvolume">
      <Stack gap="md">
        <Text size="sm">
          Start managing <Text span ff="monospace">{subvolume.path}</Text> on {server.name}. Nothing on disk changes until
          a snapshot is taken.
        </Text>
        <TextInput
          label="Snapshot directory"
          description="An existing directory under an allowed root, outside the subvolume."
          value={snapshotDir}
          onChange={(e) => setSnapshotDir(e.currentTarget.value)}
          error={form.error('snapshot_dir')}
          autoComplete="off"
          required
        />
        <TextInput
          label="Name (optional)"
          description={`Prefix of snapshot names. Default: ${defaultName}`}
          placeholder={defaultName}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          autoComplete="off"
        />
        <FormError error={manage.error} title="Could not manage the subvolume" />
        <FormActions submitLabel="Manage" pending={manage.isPending} onCancel={onClose} />
      </Stack>
    </form>
  );
}
