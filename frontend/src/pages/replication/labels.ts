// How the Replication page names targets and rates.
import type { Target } from '../../api/replicationQueries';
import { formatBytes } from '../../lib/bytes';
import { t } from '../../i18n';
import { shortUuid } from '../../lib/format';

/** "1.0 MiB/s", or "—" without a figure. */
export const rate = (bps: number | null | undefined) => (bps === null || bps === undefined ? '—' : t('replication:rate', { bytes: formatBytes(bps) }));

/** "server:directory" of a target (short ids for what is not loaded). */
export function targetLabel(id: string, targets: Map<string, Target>, servers: Map<string, string>): string {
  const t = targets.get(id);
  return t ? `${servers.get(t.server_id) ?? shortUuid(t.server_id)}:${t.directory}` : shortUuid(id);
}
