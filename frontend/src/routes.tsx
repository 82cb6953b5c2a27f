// The dashboard's pages: one entry each. The router (App.tsx) and the sidebar (Shell.tsx)
// both read this list, so a new page is one import and one entry here.
import type { ComponentType, ReactElement } from 'react';
import {
  IconEvents,
  IconNotifications,
  IconOverview,
  IconPolicies,
  IconReplication,
  IconRestore,
  IconServers,
  IconSubvolumes,
  IconTokens,
  IconUsers,
} from './components/icons';
import { EventsPage } from './pages/EventsPage';
import { NotificationsPage } from './pages/NotificationsPage';
import { OverviewPage } from './pages/OverviewPage';
import { PoliciesPage, PolicyPage } from './pages/PoliciesPage';
import { ReplicaPage, ReplicationPage, TargetPage } from './pages/ReplicationPage';
import { RestoresPage } from './pages/RestoresPage';
import { ServerPage, ServersPage } from './pages/ServersPage';
import { SnapshotPage, SubvolumePage, SubvolumesPage } from './pages/SubvolumesPage';
import { TokensPage } from './pages/TokensPage';
import { UsersPage } from './pages/UsersPage';

export interface PageRoute {
  path: string;
  label: string;
  icon: ComponentType<{ size?: number }>;
  element: ReactElement;
  /** Detail pages below it (not in the sidebar; the sidebar entry stays highlighted). */
  subroutes?: { path: string; element: ReactElement }[];
}

export const pages: PageRoute[] = [
  { path: '/', label: 'Overview', icon: IconOverview, element: <OverviewPage /> },
  { path: '/events', label: 'Events', icon: IconEvents, element: <EventsPage /> },
  // ── Room for the pages that come with their API (add each when its endpoints exist) ──
  {
    path: '/servers',
    label: 'Servers',
    icon: IconServers,
    element: <ServersPage />,
    subroutes: [{ path: '/servers/:id', element: <ServerPage /> }],
  },
  {
    path: '/subvolumes',
    label: 'Subvolumes',
    icon: IconSubvolumes,
    element: <SubvolumesPage />,
    subroutes: [
      { path: '/subvolumes/:id', element: <SubvolumePage /> },
      { path: '/subvolumes/:id/snapshots/:snapshotId', element: <SnapshotPage /> },
    ],
  },
  {
    path: '/policies',
    label: 'Policies',
    icon: IconPolicies,
    element: <PoliciesPage />,
    subroutes: [{ path: '/policies/:id', element: <PolicyPage /> }],
  },
  {
    path: '/replication',
    label: 'Replication',
    icon: IconReplication,
    element: <ReplicationPage />,
    subroutes: [
      { path: '/replication/targets/:id', element: <TargetPage /> },
      { path: '/replication/targets/:id/replicas/:replicaId', element: <ReplicaPage /> },
    ],
  },
  { path: '/restores', label: 'Restores', icon: IconRestore, element: <RestoresPage /> },
  { path: '/notifications', label: 'Notifications', icon: IconNotifications, element: <NotificationsPage /> },
  { path: '/users', label: 'Users', icon: IconUsers, element: <UsersPage /> },
  { path: '/tokens', label: 'API tokens', icon: IconTokens, element: <TokensPage /> },
];
