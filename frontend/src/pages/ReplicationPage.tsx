// The Replication page: health per (subvolume, target) with the RPO, what is replicating
// now (bytes, rate, ETA per target), the targets of each subvolume (add, edit, remove),
// and the history of runs. Live: the SSE stream invalidates the 'replication' queries on
// Target*/Replication* events; the runs list also refetches every few seconds while one runs.
import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  NativeSelect,
  NumberInput,
  Progress,
  Skeleton,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { Server, Subvolume } from '../api/client';
import { useCanOperate, useServers, useSubvolumes } from '../api/queries';
import {
  type Replication,
  type ReplicationTarget,
  type Target,
  type TargetHealth,
  isActive,
  useAddTarget,
  useRemoveTarget,
  useReplicationHealth,
  useReplications,
  useSetRpo,
  useTargets,
  useUpdateTarget,
} from '../api/replicationQueries';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { HealthBadge, SummaryBadges, formatDuration } from '../components/ReplicationHealth';
import { ResponsiveTable, type Column } from '../components/ResponsiveTable';
import { formatBytes, percent } from '../lib/bytes';
import { fieldError, isFieldError } from '../lib/fieldError';
import { formatTime, shortUuid } from '../lib/format';
import { useDocumentTitle } from '../lib/useDocumentTitle';

function Mono({ children }: { children: ReactNode }) {
  return (
    <Text span size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
      {children}
    </Text>
  );
}

function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <Text span size="sm" c="dimmed">never</Text>;
  return (
    <Text span size="sm" title={at}>
      {formatTime(at)}
    </Text>
  );
}

const rate = (bps: number | null | undefined) => (bps === null || bps === undefined ? '—' : `${formatBytes(bps)}/s`);

function Section({ id, title, children, extra }: { id: string; title: string; children: ReactNode; extra?: ReactNode }) {
  return (
    <Card withBorder padding="md" radius="md" component="section" aria-labelledby={id}>
      <Stack gap="sm">
        <Group justify="space-between" align="center" wrap="wrap">
          <Title order={3} size="h4" id={id}>
            {title}
          </Title>
          {extra}
        </Group>
        {children}
      </Stack>
    </Card>
  );
}

// ── Health ──────────────────────────────────────────────────────────────────────────────

function HealthCard() {
  const health = useReplicationHealth();
  const columns: Column<TargetHealth>[] = [
    {
      label: 'Subvolume → target',
      w: 200,
      bare: true,
      render: (h) => (
        <Stack gap={0}>
          <Anchor component={Link} to={`/subvolumes/${h.subvolume_id}`} size="sm" fw={600}>
            {h.subvolume_name}
          </Anchor>
          <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            → {h.server_name}:{h.directory}
          </Text>
        </Stack>
      ),
    },
    {
      label: 'State',
      w: 110,
      render: (h) => (
        <Group gap={4}>
          <HealthBadge state={h.state} />
          {h.in_flight && (
            <Badge variant="dot" color="blue" radius="sm" tt="none">
              running
            </Badge>
          )}
        </Group>
      ),
    },
    {
      label: 'Newest: primary / target',
      w: 230,
      render: (h) => (
        <Stack gap={0}>
          <Mono>{h.newest_primary_snapshot?.name ?? '—'}</Mono>
          <Mono>{h.newest_replica_snapshot?.name ?? 'nothing on the target'}</Mono>
        </Stack>
      ),
    },
    {
      label: 'Lag / age / RPO',
      w: 150,
      render: (h) => (
        <Text size="sm" data-testid="health-lag">
          lag {formatDuration(h.lag_seconds)} · age {formatDuration(h.replica_age_seconds)} · RPO {formatDuration(h.rpo_seconds)}
          {h.rpo_source === 'set' ? '' : ` (${h.rpo_source})`}
        </Text>
      ),
    },
    {
      label: 'Last success',
      w: 190,
      render: (h) => (
        <Stack gap={0}>
          <Time at={h.last_success_at} />
          {h.last_transfer_bytes !== undefined && h.last_transfer_bytes !== null && (
            <Text size="xs" c="dimmed">
              {h.last_transfer_kind} · {formatBytes(h.last_transfer_bytes)} · {rate(h.last_transfer_throughput_bytes_per_sec)}
            </Text>
          )}
        </Stack>
      ),
    },
    {
      label: 'Last failure',
      w: 220,
      render: (h) =>
        h.last_failure_at ? (
          <Stack gap={0}>
            <Time at={h.last_failure_at} />
            <Text size="xs" c="red" style={{ overflowWrap: 'anywhere' }}>
              {h.last_error_class ? `${h.last_error_class}: ` : ''}
              {h.last_error}
            </Text>
          </Stack>
        ) : (
          <Text size="sm" c="dimmed">
            none
          </Text>
        ),
    },
  ];
  return (
    <Section id="health-title" title="Health" extra={health.data && <SummaryBadges summary={health.data.summary} />}>
      {health.isPending && <Skeleton h={80} />}
      {health.isError && (
        <ErrorNotice title="Could not load replication health" error={health.error} onRetry={() => void health.refetch()} />
      )}
      {health.data &&
        (health.data.items.length === 0 ? (
          <Text size="sm" c="dimmed">
            No targets yet: add one below.
          </Text>
        ) : (
          <ResponsiveTable
            rows={health.data.items}
            columns={columns}
            rowKey={(h) => h.target_id}
            caption="Replication health per subvolume and target"
            rowProps={(h) => ({ 'data-testid': 'health-row', 'data-state': h.state, 'data-target': h.target_id })}
            minWidth={980}
          />
        ))}
    </Section>
  );
}

// ── Running now ─────────────────────────────────────────────────────────────────────────

function targetLabel(id: string, targets: Map<string, Target>, servers: Map<string, string>): string {
  const t = targets.get(id);
  return t ? `${servers.get(t.server_id) ?? shortUuid(t.server_id)}:${t.directory}` : shortUuid(id);
}

function TargetProgress({ t, label }: { t: ReplicationTarget; label: string }) {
  const expected = t.expected_bytes ?? undefined;
  // without an estimate (no earlier send of this kind) a running send shows a moving bar
  const unknown = t.state === 'running' && !expected;
  const value = t.state === 'succeeded' || unknown ? 100 : expected ? percent(t.bytes, expected) : 0;
  return (
    <Stack gap={2} data-testid="progress-row" data-state={t.state}>
      <Group justify="space-between" gap="xs" wrap="wrap">
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {label}
        </Text>
        <Text size="xs" c="dimmed" data-testid="progress-figures">
          {t.state} · {t.kind ?? '…'} · {formatBytes(t.bytes)}
          {expected ? ` of ~${formatBytes(expected)}` : ''} · {rate(t.rate_bytes_per_sec)}
          {t.eta_seconds !== undefined && t.eta_seconds !== null ? ` · ETA ${formatDuration(t.eta_seconds)}` : ''}
        </Text>
      </Group>
      <Progress
        value={value}
        animated={t.state === 'running'}
        striped={unknown}
        color={t.state === 'failed' ? 'red' : t.state === 'succeeded' ? 'teal' : 'blue'}
        aria-label={`Progress to ${label}`}
      />
      {t.error && (
        <Text size="xs" c="red">
          {t.error}
        </Text>
      )}
    </Stack>
  );
}

function RunningCard({ runs, targets, servers, subvolumes }: {
  runs: Replication[];
  targets: Map<string, Target>;
  servers: Map<string, string>;
  subvolumes: Map<string, string>;
}) {
  const active = runs.filter(isActive);
  return (
    <Section id="running-title" title="Replicating now">
      {active.length === 0 ? (
        <Text size="sm" c="dimmed" data-testid="nothing-running">
          Nothing is replicating.
        </Text>
      ) : (
        active.map((r) => (
          <Stack key={r.id} gap="xs" data-testid="running-replication">
            <Text size="sm" fw={600}>
              {subvolumes.get(r.subvolume_id) ?? shortUuid(r.subvolume_id)} · snapshot {shortUuid(r.snapshot_id)} · {r.state}
            </Text>
            {r.targets.map((t) => (
              <TargetProgress key={t.target_id} t={t} label={targetLabel(t.target_id, targets, servers)} />
            ))}
          </Stack>
        ))
      )}
    </Section>
  );
}

// ── History ─────────────────────────────────────────────────────────────────────────────

interface HistoryRow {
  run: Replication;
  t: ReplicationTarget;
}

const RUN_COLOR: Record<string, string> = {
  queued: 'gray',
  running: 'blue',
  succeeded: 'teal',
  failed: 'red',
  partially_failed: 'orange',
};

function HistoryCard({ runs, total, targets, servers, subvolumes }: {
  runs: Replication[];
  total: number;
  targets: Map<string, Target>;
  servers: Map<string, string>;
  subvolumes: Map<string, string>;
}) {
  const rows: HistoryRow[] = runs.flatMap((run) => run.targets.map((t) => ({ run, t })));
  const columns: Column<HistoryRow>[] = [
    { label: 'Requested', w: 170, bare: true, render: ({ run }) => <Time at={run.requested_at} /> },
    {
      label: 'Subvolume → target',
      render: ({ run, t }) => (
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {subvolumes.get(run.subvolume_id) ?? shortUuid(run.subvolume_id)} → {targetLabel(t.target_id, targets, servers)}
        </Text>
      ),
    },
    {
      label: 'State',
      w: 110,
      render: ({ t }) => (
        <Badge color={RUN_COLOR[t.state] ?? 'gray'} variant="light" radius="sm" tt="none" data-testid="history-state">
          {t.state}
        </Badge>
      ),
    },
    { label: 'Kind', w: 100, render: ({ t }) => <Text size="sm">{t.kind ?? '—'}</Text> },
    { label: 'Bytes', w: 100, render: ({ t }) => <Text size="sm">{formatBytes(t.bytes_total || t.bytes)}</Text> },
    {
      label: 'Duration',
      w: 90,
      render: ({ t }) => <Text size="sm">{t.duration_ms === undefined || t.duration_ms === null ? '—' : formatDuration(t.duration_ms / 1000)}</Text>,
    },
    { label: 'Throughput', w: 110, render: ({ t }) => <Text size="sm">{rate(t.rate_bytes_per_sec)}</Text> },
    {
      label: 'Error',
      render: ({ t }) =>
        t.error ? (
          <Text size="xs" c="red" style={{ overflowWrap: 'anywhere' }}>
            {t.error}
          </Text>
        ) : (
          <Text size="sm" c="dimmed">
            —
          </Text>
        ),
    },
  ];
  return (
    <Section id="history-title" title="History" extra={<Text size="xs" c="dimmed">{`${runs.length} of ${total} runs, newest first`}</Text>}>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No replications yet.
        </Text>
      ) : (
        <ResponsiveTable
          rows={rows}
          columns={columns}
          rowKey={({ run, t }) => `${run.id}/${t.target_id}`}
          caption="Replication history"
          rowProps={({ run, t }) => ({ 'data-testid': 'history-row', 'data-state': t.state, 'data-replication': run.id })}
          minWidth={980}
        />
      )}
    </Section>
  );
}

// ── Targets and RPO ─────────────────────────────────────────────────────────────────────

interface TargetValues {
  server_id: string | null;
  directory: string;
  strict_incremental: boolean;
  missing: 'newest_only' | 'send_all';
  rate_limit: number | string;
}

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
  const [v, setV] = useState(initial);
  const [local, setLocal] = useState<Record<string, string>>({});
  const set = (p: Partial<TargetValues>) => setV((old) => ({ ...old, ...p }));
  const fields = ['server_id', 'directory', 'rate_limit_bytes_per_sec', 'strict_incremental', 'missing'];
  const submit = () => {
    const errs: Record<string, string> = {};
    if (!v.server_id) errs.server_id = 'Choose a server';
    if (!v.directory.startsWith('/')) errs.directory = 'An absolute path on the server';
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
          label="Server"
          required
          disabled={editing}
          data={[
            { value: '', label: 'Choose a remote server' },
            ...servers.map((s) => ({ value: s.id, label: `${s.name} (${s.allowed_roots.join(', ')})` })),
          ]}
          value={v.server_id ?? ''}
          onChange={(e) => set({ server_id: e.currentTarget.value || null })}
          error={local.server_id ?? fieldError(error, 'server_id')}
        />
        <TextInput
          label="Directory"
          description="Where snapshots are received, under one of the server's allowed roots; it must exist."
          required
          value={v.directory}
          onChange={(e) => set({ directory: e.currentTarget.value })}
          error={local.directory ?? fieldError(error, 'directory')}
        />
        <NativeSelect
          label="Snapshots to send"
          data={[
            { value: 'newest_only', label: 'Only the one being replicated' },
            { value: 'send_all', label: 'Every snapshot the target is missing' },
          ]}
          value={v.missing}
          onChange={(e) => set({ missing: e.currentTarget.value as TargetValues['missing'] })}
        />
        <Switch
          label="Strict incremental (never send a full stream)"
          checked={v.strict_incremental}
          onChange={(e) => set({ strict_incremental: e.currentTarget.checked })}
        />
        <NumberInput
          label="Rate limit (bytes/s)"
          description="Empty: unlimited."
          min={1}
          value={v.rate_limit}
          onChange={(n) => set({ rate_limit: n })}
          error={fieldError(error, 'rate_limit_bytes_per_sec')}
        />
        {error && !isFieldError(error, fields) ? (
          <ErrorNotice title={editing ? 'Could not change the target' : 'Could not add the target'} error={error} />
        ) : null}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button type="submit" loading={pending}>
            {editing ? 'Save' : 'Add target'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

const rateLimit = (v: number | string) => (typeof v === 'number' ? v : null);

function AddTargetDialog({ subvolume, servers, onClose }: { subvolume: Subvolume; servers: Server[]; onClose: () => void }) {
  const add = useAddTarget(subvolume.id);
  return (
    <Modal opened onClose={onClose} title={`Add a target for ${subvolume.name}`} centered size="lg">
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

function EditTargetDialog({ target, servers, onClose }: { target: Target; servers: Server[]; onClose: () => void }) {
  const update = useUpdateTarget(target.id);
  return (
    <Modal opened onClose={onClose} title="Edit target" centered size="lg">
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

const RPO_SOURCE: Record<TargetHealth['rpo_source'], string> = {
  set: 'set by an operator',
  schedule: 'default: twice the schedule interval',
  default: 'default: no policy',
};

function RpoForm({ subvolume, current }: { subvolume: Subvolume; current: TargetHealth | undefined }) {
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
          label={`RPO of ${subvolume.name} (hours)`}
          description={
            current
              ? `Now ${formatDuration(current.rpo_seconds)} (${RPO_SOURCE[current.rpo_source]}). Empty: the default.`
              : 'Empty: the default (twice the schedule interval, or 24 h without a policy).'
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
          Set RPO
        </Button>
      </Group>
      {setRpo.isError && !isFieldError(setRpo.error, ['rpo_seconds']) && (
        <ErrorNotice title="Could not set the RPO" error={setRpo.error} />
      )}
    </form>
  );
}

function TargetsCard({ targets, servers, health }: { targets: Target[]; servers: Server[]; health: TargetHealth[] }) {
  const canOperate = useCanOperate();
  const subvolumes = useSubvolumes();
  const remove = useRemoveTarget();
  const [adding, setAdding] = useState<Subvolume | null>(null);
  const [editing, setEditing] = useState<Target | null>(null);
  const [removing, setRemoving] = useState<Target | null>(null);
  const serverName = new Map(servers.map((s) => [s.id, s.name]));
  const managed = (subvolumes.data ?? []).filter((s) => s.managed);
  const candidates = (sv: Subvolume) => servers.filter((s) => s.transport.kind === 'ssh' && s.id !== sv.server_id);

  return (
    <Section id="targets-title" title="Targets">
      {subvolumes.isPending && <Skeleton h={60} />}
      {subvolumes.isError && <ErrorNotice title="Could not load subvolumes" error={subvolumes.error} />}
      {subvolumes.data && managed.length === 0 && (
        <Text size="sm" c="dimmed">
          No managed subvolumes yet.
        </Text>
      )}
      {managed.map((sv) => {
        const mine = targets.filter((t) => t.subvolume_id === sv.id);
        return (
          <Stack key={sv.id} gap="xs" data-testid="subvolume-targets" data-name={sv.name}>
            <Group justify="space-between" wrap="wrap">
              <Anchor component={Link} to={`/subvolumes/${sv.id}`} fw={600} size="sm">
                {sv.name}
              </Anchor>
              {canOperate && (
                <Button size="xs" variant="light" onClick={() => setAdding(sv)} aria-label={`Add target for ${sv.name}`}>
                  Add target
                </Button>
              )}
            </Group>
            {mine.length === 0 && (
              <Text size="sm" c="dimmed">
                No targets.
              </Text>
            )}
            {mine.map((t) => (
              <Group key={t.id} justify="space-between" wrap="wrap" gap="xs" data-testid="target-row" data-directory={t.directory}>
                <Stack gap={0}>
                  <Mono>
                    {serverName.get(t.server_id) ?? shortUuid(t.server_id)}:{t.directory}
                  </Mono>
                  <Text size="xs" c="dimmed">
                    {t.missing === 'send_all' ? 'every missing snapshot' : 'newest only'}
                    {t.strict_incremental ? ' · strict incremental' : ''}
                    {t.rate_limit_bytes_per_sec ? ` · ≤ ${rate(t.rate_limit_bytes_per_sec)}` : ''}
                  </Text>
                </Stack>
                {canOperate && (
                  <Group gap="xs">
                    <Button size="xs" variant="default" onClick={() => setEditing(t)} aria-label={`Edit target ${t.directory}`}>
                      Edit
                    </Button>
                    <Button
                      size="xs"
                      variant="light"
                      color="red"
                      onClick={() => {
                        remove.reset();
                        setRemoving(t);
                      }}
                      aria-label={`Remove target ${t.directory}`}
                    >
                      Remove
                    </Button>
                  </Group>
                )}
              </Group>
            ))}
            {canOperate && <RpoForm subvolume={sv} current={health.find((h) => h.subvolume_id === sv.id)} />}
          </Stack>
        );
      })}
      {adding && <AddTargetDialog subvolume={adding} servers={candidates(adding)} onClose={() => setAdding(null)} />}
      {editing && <EditTargetDialog target={editing} servers={servers} onClose={() => setEditing(null)} />}
      <ConfirmDialog
        opened={removing !== null}
        title="Remove this target?"
        confirmLabel="Remove target"
        danger
        loading={remove.isPending}
        error={remove.error}
        errorTitle="Could not remove the target"
        onClose={() => setRemoving(null)}
        onConfirm={() => {
          if (removing) remove.mutate(removing.id, { onSuccess: () => setRemoving(null) });
        }}
      >
        <Text size="sm">
          dist-btrfs stops replicating to <Mono>{removing?.directory}</Mono>. Nothing on the remote is deleted.
        </Text>
      </ConfirmDialog>
    </Section>
  );
}

export function ReplicationPage() {
  useDocumentTitle('Replication');
  const targets = useTargets();
  const servers = useServers();
  const subvolumes = useSubvolumes();
  const runs = useReplications(20);
  const health = useReplicationHealth();
  const targetMap = new Map((targets.data ?? []).map((t) => [t.id, t]));
  const serverNames = new Map((servers.data ?? []).map((s) => [s.id, s.name]));
  const subvolumeNames = new Map((subvolumes.data ?? []).map((s) => [s.id, s.name]));
  return (
    <Stack gap="md">
      <Title order={2}>Replication</Title>
      <HealthCard />
      {runs.isError && <ErrorNotice title="Could not load replications" error={runs.error} onRetry={() => void runs.refetch()} />}
      {runs.isPending && <Skeleton h={80} />}
      {runs.data && (
        <RunningCard runs={runs.data.items} targets={targetMap} servers={serverNames} subvolumes={subvolumeNames} />
      )}
      {targets.isError && <ErrorNotice title="Could not load targets" error={targets.error} />}
      {targets.data && servers.data && (
        <TargetsCard targets={targets.data} servers={servers.data} health={health.data?.items ?? []} />
      )}
      {runs.data && (
        <HistoryCard
          runs={runs.data.items}
          total={runs.data.total}
          targets={targetMap}
          servers={serverNames}
          subvolumes={subvolumeNames}
        />
      )}
    </Stack>
  );
}
