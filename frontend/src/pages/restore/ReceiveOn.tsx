// Where a snapshot restored from a replica is received: back onto the primary, where it is
// catalogued again (only when the primary lost it), or onto another registered server as a
// read-only copy in a directory there, outside the catalog.
import { NativeSelect, Radio, Stack, TextInput } from '@mantine/core';
import type { Server, Subvolume } from '../../api/client';
import { useServers } from '../../api/queries';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Mono } from '../../components/Mono';
import type { ReceiveOn, RestoreForm } from '../../lib/restore';

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
  const none = servers.isSuccess && servers.others.length === 0;
  return (
    <Stack gap="sm">
      <Radio.Group label="Receive on" value={form.receiveOn} onChange={(v) => set({ receiveOn: v as ReceiveOn })}>
        <Stack gap={10} mt={6}>
          <Radio
            value="primary"
            label="the primary (catalogued again)"
            disabled={onPrimary}
            description={
              onPrimary ? (
                'The primary holds this snapshot already.'
              ) : (
                <>
                  Under its own name in <Mono>{subvolume.snapshot_dir}</Mono>, catalogued as before; replication to its
                  targets then goes on incrementally from it.
                </>
              )
            }
          />
          <Radio
            value="server"
            label="another server (a copy)"
            disabled={none}
            description={
              none
                ? 'No other server is registered.'
                : 'A read-only copy in a directory there, outside the catalog: to inspect, or to start from.'
            }
          />
        </Stack>
      </Radio.Group>
      {form.receiveOn === 'server' && (
        <>
          {servers.isError && <ErrorNotice title="Could not list the servers" error={servers.error} />}
          <NativeSelect
            label="Server"
            required
            data={[{ value: '', label: 'Choose a server' }, ...servers.others.map(serverOption)]}
            value={form.copyServerId ?? ''}
            onChange={(e) => set({ copyServerId: e.currentTarget.value || null })}
            error={error('destination_server_id')}
          />
          <TextInput
            label="Directory"
            description="An existing directory on that server, inside its allowed roots: the copy is received into it under the snapshot's name."
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

const serverOption = (s: Server) => ({ value: s.id, label: `${s.name} (${s.allowed_roots.join(', ')})` });
