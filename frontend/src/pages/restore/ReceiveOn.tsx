// Where a snapshot restored from a replica is received: back onto the primary, where it is
// catalogued again (only when the primary lost it), or onto another registered server as a
// read-only copy in a directory there, outside the catalog.
import { NativeSelect, Radio, Stack, TextInput } from '@mantine/core';
import type { Server, Subvolume } from '../../api/client';
import { useServers } from '../../api/queries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Mono } from '../../components/Mono';
import type { ReceiveOn, RestoreForm } from '../../lib/restore';
import { Trans, useTranslation } from 'react-i18next';

/** The registered servers a copy may go to: all but the subvolume's own. */
export function useCopyServers(subvolume: Subvolume) {
  const servers = useServers();
  return { ...servers, others: (servers.data ?? []).filter((s) => s.id !== subvolume.server_id) };
}

export function ReceiveOnChoice({
  form,
  set,
  subvolume,
  onPrimary,
  servers,
  error,
}: {
  form: RestoreForm;
  set: (p: Partial<RestoreForm>) => void;
  subvolume: Subvolume;
  /** The primary holds the snapshot (then it cannot be received there again). */
  onPrimary: boolean;
  servers: ReturnType<typeof useCopyServers>;
  /** The message for a request field's input (see useFormErrors). */
  error: (field: string) => string | null;
}) {
  const { t } = useTranslation(['restore', 'common']);
  const none = servers.isSuccess && servers.others.length === 0;
  return (
    <Stack gap="sm">
      <Radio.Group label={t('receive.on')} value={form.receiveOn} onChange={(v) => set({ receiveOn: v as ReceiveOn })}>
        <Stack gap={10} mt={6}>
          <Radio
            value="primary"
            label={t('receive.primary')}
            disabled={onPrimary}
            description={
              onPrimary ? (
                t('receive.primaryHolds')
              ) : (
                <Trans t={t} i18nKey="receive.primaryHelp" values={{ dir: subvolume.snapshot_dir }} components={{ mono: <Mono>{null}</Mono> }} />
              )
            }
          />
          <Radio
            value="server"
            label={t('receive.server')}
            disabled={none}
            description={none ? t('receive.noServer') : t('receive.serverHelp')}
          />
        </Stack>
      </Radio.Group>
      {form.receiveOn === 'server' && (
        <>
          {servers.isError && <ErrorNotice title={t('receive.serversFailed')} error={servers.error} />}
          <NativeSelect
            label={t('common:noun.server')}
            required
            data={[{ value: '', label: t('receive.chooseServer') }, ...servers.others.map(serverOption)]}
            value={form.copyServerId ?? ''}
            onChange={(e) => set({ copyServerId: e.currentTarget.value || null })}
            error={error('destination_server_id')}
          />
          <TextInput
            label={t('receive.directory')}
            description={t('receive.directoryHelp')}
            required
            value={form.copyDirectory}
            onChange={(e) => set({ copyDirectory: e.currentTarget.value })}
            error={error('destination')}
          />
        </>
      )}
    </Stack>
  );
}

// i18n-ignore: a server's name and its allowed roots, not words
const serverOption = (s: Server) => ({ value: s.id, label: `${s.name} (${s.allowed_roots.join(', ')})` });
