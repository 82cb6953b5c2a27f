// The Replication page: health per (subvolume, target) with the RPO, what is replicating
// now (bytes, rate, ETA per target), the targets of each subvolume (add, edit, remove),
// and the history of runs. Live: the SSE stream invalidates the 'replication' queries on
// Target*/Replication* events; the runs list also refetches every few seconds while one runs.
// The sections are in ./replication/. Also one target's page (its replicas: browse, delete)
// and a replica's file browser.
import { Anchor, Card, Stack, Text, Title } from '@mantine/core';
import { Link, useParams, useSearchParams } from 'react-router';
import { useCanOperate, useServers, useSubvolumes } from '../api/queries';
import { useReplicationHealth, useReplications, useTargets } from '../api/replicationQueries';
import { useTarget, useTargetReplicas } from '../api/restoreQueries';
import { ErrorNotice } from '../components/ErrorNotice';
import { FactList } from '../components/FactList';
import { Mono } from '../components/Mono';
import { LoadMore } from '../components/LoadMore';
import { QueryState } from '../components/QueryState';
import { shortUuid } from '../lib/format';
import { replicaName } from '../lib/restore';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { HealthSection } from './replication/HealthSection';
import { HistorySection } from './replication/HistorySection';
import { rate } from './replication/labels';
import { ReplicasSection } from './replication/ReplicasSection';
import { RunningSection } from './replication/RunningSection';
import { TargetsSection } from './replication/TargetsSection';
import { FileBrowser } from './restore/FileBrowser';
import { snapshotHref } from './restore/RestoreStatus';
import { Trans, useTranslation } from 'react-i18next';

export function ReplicationPage() {
  const { t } = useTranslation(['replication', 'common']);
  useDocumentTitle(t('page.title'));
  const targets = useTargets();
  const servers = useServers();
  const subvolumes = useSubvolumes();
  const runs = useReplications(20);
  const health = useReplicationHealth();
  const canOperate = useCanOperate();
  const targetMap = new Map((targets.data ?? []).map((t) => [t.id, t]));
  const serverNames = new Map((servers.data ?? []).map((s) => [s.id, s.name]));
  const subvolumeNames = new Map((subvolumes.data ?? []).map((s) => [s.id, s.name]));
  return (
    <Stack gap="md">
      <Title order={2}>{t('page.title')}</Title>
      <HealthSection />
      <QueryState query={runs} errorTitle={t('page.runsFailed')} skeleton={80}>
        {(data) => <RunningSection runs={data} targets={targetMap} servers={serverNames} subvolumes={subvolumeNames} />}
      </QueryState>
      {targets.isError && <ErrorNotice title={t('page.targetsFailed')} error={targets.error} />}
      {targets.data && servers.data && (
        <TargetsSection targets={targets.data} servers={servers.data} health={health.data?.items ?? []} />
      )}
      <LoadMore list={targets} label={t('page.moreTargets')} />
      {runs.data && (
        <HistorySection canOperate={canOperate} runs={runs.data} targets={targetMap} servers={serverNames} subvolumes={subvolumeNames} />
      )}
      <LoadMore list={runs} label={t('page.moreRuns')} />
    </Stack>
  );
}

/** "server:directory" of a target, and its subvolume's name, from the cached lists. */
function useTargetNames(serverId: string | undefined, subvolumeId: string | undefined) {
  const servers = useServers();
  const subvolumes = useSubvolumes();
  return {
    server: (servers.data ?? []).find((s) => s.id === serverId)?.name ?? shortUuid(serverId ?? ''),
    subvolume: (subvolumes.data ?? []).find((s) => s.id === subvolumeId)?.name,
  };
}

/** One target: where it is, how it is sent to, and the replicas on it. */
export function TargetPage() {
  const { t } = useTranslation(['replication', 'common']);
  const { id = '' } = useParams();
  const target = useTarget(id);
  const canOperate = useCanOperate();
  const names = useTargetNames(target.data?.server_id, target.data?.subvolume_id);
  useDocumentTitle(target.data ? t('target.docTitle', { directory: target.data.directory }) : t('common:noun.target'));
  return (
    <Stack gap="md">
      <Anchor component={Link} to="/replication" size="sm">
        {t('target.back')}
      </Anchor>
      <QueryState query={target} errorTitle={t('target.failed')} skeleton={120}>
        {(tg) => (
          <>
            <Title order={2} style={{ overflowWrap: 'anywhere' }}>
              {t('target.title', { where: `${names.server}:${tg.directory}` })}
            </Title>
            <Card withBorder padding="md" radius="md" component="section" aria-label={t('target.details')}>
              <FactList
                label={t('target.details')}
                facts={[
                  [
                    t('common:noun.subvolume'),
                    <Anchor component={Link} to={`/subvolumes/${tg.subvolume_id}`} size="sm">
                      {names.subvolume ?? shortUuid(tg.subvolume_id)}
                    </Anchor>,
                  ],
                  [
                    t('common:noun.server'),
                    <Anchor component={Link} to={`/servers/${tg.server_id}`} size="sm">
                      {names.server}
                    </Anchor>,
                  ],
                  [t('target.directory'), <Mono>{tg.directory}</Mono>],
                  [t('target.sends'), tg.missing === 'send_all' ? t('target.sendAll') : t('target.sendNewest')],
                  [t('target.rateLimit'), tg.rate_limit_bytes_per_sec ? rate(tg.rate_limit_bytes_per_sec) : t('common:state.none')],
                ]}
              />
            </Card>
            <ReplicasSection target={tg} where={`${names.server}:${tg.directory}`} canOperate={canOperate} />
          </>
        )}
      </QueryState>
    </Stack>
  );
}

/** A replica's files on its target (read over SSH): browse and download. */
export function ReplicaPage() {
  const { t } = useTranslation(['replication', 'common']);
  const { id = '', replicaId = '' } = useParams();
  const target = useTarget(id);
  const replicas = useTargetReplicas(id);
  const names = useTargetNames(target.data?.server_id, target.data?.subvolume_id);
  const [params, setParams] = useSearchParams();
  const replica = replicas.data?.find((r) => r.id === replicaId);
  const name = replica ? replicaName(replica.path) : t('common:noun.replica');
  useDocumentTitle(t('replica.title', { name }));
  return (
    <Stack gap="md">
      <Anchor component={Link} to={`/replication/targets/${id}`} size="sm">
        ← {t('target.title', { where: target.data ? `${names.server}:${target.data.directory}` : '' })}
      </Anchor>
      <QueryState query={replicas} errorTitle={t('replica.listFailed')} skeleton={120}>
        {() =>
          replica ? (
            <>
              <Title order={2} style={{ overflowWrap: 'anywhere' }}>
                {t('replica.title', { name })}
              </Title>
              <Text size="sm" c="dimmed">
                <Trans t={t} i18nKey="replica.on" values={{ server: names.server, path: replica.path }} components={{ mono: <Mono>{null}</Mono> }} />
                {target.data && (
                  <>
                    {' '}
                    <Trans
                      t={t}
                      i18nKey="replica.howToRestore"
                      components={{ open: <Anchor component={Link} to={snapshotHref(target.data.subvolume_id, replica.snapshot_id)} size="sm" /> }}
                    />
                  </>
                )}
              </Text>
              <Card withBorder padding="md" radius="md" component="section" aria-label={t('replica.files')}>
                <FileBrowser
                  source={{ kind: 'replica', id: replica.id }}
                  path={params.get('path') ?? ''}
                  onPath={(p) => setParams(p ? { path: p } : {})}
                  top={name}
                />
              </Card>
            </>
          ) : (
            <ErrorNotice title={t('replica.noSuch')} error={new Error(t('replica.noSuchText'))} />
          )
        }
      </QueryState>
    </Stack>
  );
}
