import { act, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultRoutes, renderApp } from '../test/fakeApi';
import { keysFor } from './live';

/** A stand-in for the browser's EventSource that the test drives. */
class FakeEventSource {
  static instances: FakeEventSource[] = [];
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onmessage: ((m: MessageEvent<string>) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(
    readonly url: string,
    readonly init?: EventSourceInit,
  ) {
    FakeEventSource.instances.push(this);
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  emit(data: unknown) {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(data) }));
  }
  fail() {
    this.readyState = FakeEventSource.CLOSED;
    this.onerror?.();
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
}

const original = (window as { EventSource?: unknown }).EventSource;
beforeEach(() => {
  FakeEventSource.instances = [];
  Object.assign(window, { EventSource: FakeEventSource });
  Object.assign(globalThis, { EventSource: FakeEventSource });
});
afterEach(() => {
  Object.assign(window, { EventSource: original });
  Object.assign(globalThis, { EventSource: original });
});

describe('Live updates', () => {
  it('maps event types to the queries they change (the timeline always)', () => {
    expect(keysFor('SnapshotCreated')).toEqual([['events'], ['subvolumes'], ['servers'], ['replication']]);
    expect(keysFor('ReplicationProgress')).toEqual([['events'], ['replication'], ['subvolumes']]);
    expect(keysFor('ReplicaHalfReceivedDeleted')).toEqual([['events'], ['replication'], ['subvolumes']]);
    expect(keysFor('ReplicaPruned')).toEqual([['events'], ['replication'], ['subvolumes']]);
    expect(keysFor('TargetAdded')).toEqual([['events'], ['replication']]);
    expect(keysFor('RestoreSucceeded')).toEqual([['events'], ['restores'], ['subvolumes']]);
    expect(keysFor('RestoreProgress')).toEqual([['events'], ['restores']]);
    expect(keysFor('ReplicaDeleted')).toEqual([['events'], ['replication'], ['subvolumes']]);
    expect(keysFor('SubvolumeRpoSet')).toEqual([['events'], ['replication']]);
    expect(keysFor('ServerRegistered')).toEqual([['events'], ['servers']]);
    expect(keysFor('TokenRevoked')).toEqual([['events'], ['tokens']]);
    expect(keysFor('SomethingNew')).toEqual([['events']]);
  });

  it('opens one stream with the session cookie, shows its state and refreshes what an event changes', async () => {
    const { requests } = renderApp(defaultRoutes(), '/events');
    await screen.findByRole('heading', { name: 'Events' });
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    const source = FakeEventSource.instances[0]!;
    expect(source.url).toBe('/api/v1/events/stream');
    expect(source.init).toEqual({ withCredentials: true });
    expect(screen.getByTestId('live-indicator')).toHaveAttribute('data-status', 'connecting');

    act(() => source.open());
    expect(screen.getByRole('status', { name: 'Live updates: connected' })).toHaveTextContent('Live');

    const count = (path: string) => requests.filter((r) => r.method === 'GET' && r.url.pathname === `/api/v1${path}`).length;
    await waitFor(() => expect(count('/events')).toBeGreaterThan(0));
    const events = count('/events');
    const instance = count('/instance');
    act(() => source.emit({ seq: 3, type: 'InstanceRenamed', stream: 'instance', summary: 'renamed', actor: 'system', recorded_at: '2026-01-01T00:00:03Z' }));
    await waitFor(() => expect(count('/events')).toBeGreaterThan(events));
    await waitFor(() => expect(count('/instance')).toBeGreaterThan(instance));

    // refused (server gone, session over): says so
    act(() => source.fail());
    expect(screen.getByTestId('live-indicator')).toHaveAttribute('data-status', 'offline');
  });
});
