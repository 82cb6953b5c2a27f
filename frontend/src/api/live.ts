// Live updates: one EventSource on GET /events/stream (server-sent events fed by the
// event log, see ARCHITECTURE.md "Live updates"). Each event invalidates the queries its
// type can change, so pages refresh what they show without polling every table.
import { type QueryClient, type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { API_BASE_URL, type Schemas } from './client';
import type { paths } from './schema';

export type LiveEvent = Schemas['LiveEvent'];
export type LiveStatus = 'connecting' | 'live' | 'offline' | 'unsupported';

const STREAM_PATH: keyof paths = '/events/stream';
/** After the browser gave up (e.g. the server restarted, the session ended), try again. */
const RETRY_MS = 10_000;

/**
 * Which cached queries an event type may change, by type prefix (first match wins).
 * The timeline (['events']) is refreshed for every event. Add a line for new event families.
 */
export const invalidationRules: [prefix: string, keys: QueryKey[]][] = [
  ['Instance', [['instance']]],
  ['Server', [['servers']]],
  ['SubvolumeRpo', [['replication']]],
  ['Subvolume', [['subvolumes'], ['servers']]],
  ['Snapshot', [['subvolumes'], ['servers'], ['replication']]],
  ['Policy', [['policies'], ['subvolumes'], ['replication', 'retention']]], // a target's next prune follows its policy
  ['User', [['users'], ['tokens']]],
  ['Token', [['tokens']]],
  ['Replication', [['replication'], ['subvolumes']]],
  ['Replica', [['replication'], ['subvolumes']]], // ReplicaPruned, ReplicaPruneFailed, ...
  ['Target', [['replication']]],
  ['RestoreProgress', [['restores']]], // bytes and rate of a stream back, every second: nothing else changed
  ['Restore', [['restores'], ['subvolumes']]], // a restore's state; what it made (snapshots, subvolumes)
  ['Storage', [['storage'], ['servers']]],
];

export function keysFor(eventType: string): QueryKey[] {
  const rule = invalidationRules.find(([prefix]) => eventType.startsWith(prefix));
  return [['events'], ...(rule ? rule[1] : [])];
}

function invalidate(queryClient: QueryClient, event: LiveEvent) {
  for (const queryKey of keysFor(event.type)) void queryClient.invalidateQueries({ queryKey });
}

/** Opens the stream for the logged-in session and keeps it open; returns its status. */
export function useLiveEvents(): LiveStatus {
  const queryClient = useQueryClient();
  const supported = typeof window !== 'undefined' && typeof window.EventSource === 'function';
  const [status, setStatus] = useState<LiveStatus>(supported ? 'connecting' : 'unsupported');

  useEffect(() => {
    if (!supported) return;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let lastSeq: number | undefined;
    let stopped = false;

    const open = () => {
      const after = lastSeq === undefined ? '' : `?after=${lastSeq}`;
      source = new window.EventSource(`${API_BASE_URL}${STREAM_PATH}${after}`, { withCredentials: true });
      setStatus('connecting');
      source.onopen = () => setStatus('live');
      source.onmessage = (message: MessageEvent<string>) => {
        let event: LiveEvent;
        try {
          event = JSON.parse(message.data) as LiveEvent;
        } catch {
          return;
        }
        lastSeq = event.seq;
        invalidate(queryClient, event);
      };
      source.onerror = () => {
        if (!source || source.readyState !== EventSource.CLOSED) {
          setStatus('connecting'); // the browser reconnects by itself (with Last-Event-ID)
          return;
        }
        setStatus('offline');
        // Refused (401 after the session ended, or the server is down): re-check the
        // session (a 401 there shows the login page) and try again later.
        void queryClient.invalidateQueries({ queryKey: ['me'] });
        if (!stopped) retry = setTimeout(open, RETRY_MS);
      };
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, [queryClient, supported]);

  return status;
}
