// What the snapshot page and the target page both show of a replica.
import { Text } from '@mantine/core';
import type { Replica } from '../../api/restoreQueries';
import { formatTime } from '../../lib/format';

/** The page browsing a replica's files. */
export const replicaHref = (r: Pick<Replica, 'id' | 'target_id'>) => `/replication/targets/${r.target_id}/replicas/${r.id}`;

/** The last verification against the source snapshot: matches, N differences, or not yet. */
export function ReplicaVerification({ replica: r }: { replica: Replica }) {
  if (!r.verification) return <Text size="sm" c="dimmed">not yet</Text>;
  return (
    <Text size="sm" c={r.verification.ok ? 'teal' : 'red'} title={formatTime(r.verification.verified_at)}>
      {r.verification.ok ? 'matches' : `${r.verification.mismatches.length} difference(s)`}
    </Text>
  );
}
