// The dashboard's pages: one entry each. The router (App.tsx) and the sidebar (Shell.tsx)
// both read this list, so a new page is one import and one entry here.
import { type ComponentType, lazy, type ReactElement } from 'react';
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
import type { en } from './i18n/en';
import { OverviewPage } from './pages/OverviewPage';

// Every page but the Overview is its own chunk, loaded when first shown (App wraps the
// routes in Suspense): the first paint needs the Overview's code only.
const EventsPage = lazy(() => import('./pages/EventsPage').then((m) => ({ default: m.EventsPage })));
const NotificationsPage = lazy(() => import('./pages/NotificationsPage').then((m) => ({ default: m.NotificationsPage })));
const PoliciesPage = lazy(() => import('./pages/PoliciesPage').then((m) => ({ default: m.PoliciesPage })));
const PolicyPage = lazy(() => import('./pages/PoliciesPage').then((m) => ({ default: m.PolicyPage })));
const ReplicationPage = lazy(() => import('./pages/ReplicationPage').then((m) => ({ default: m.ReplicationPage })));
const TargetPage = lazy(() => import('./pages/ReplicationPage').then((m) => ({ default: m.TargetPage })));
const ReplicaPage = lazy(() => import('./pages/ReplicationPage').then((m) => ({ default: m.ReplicaPage })));
const RestoresPage = lazy(() => import('./pages/RestoresPage').then((m) => ({ default: m.RestoresPage })));
const ServersPage = lazy(() => import('./pages/ServersPage').then((m) => ({ default: m.ServersPage })));
const ServerPage = lazy(() => import('./pages/ServersPage').then((m) => ({ default: m.ServerPage })));
const SubvolumesPage = lazy(() => import('./pages/SubvolumesPage').then((m) => ({ default: m.SubvolumesPage })));
const SubvolumePage = lazy(() => import('./pages/SubvolumesPage').then((m) => ({ default: m.SubvolumePage })));
const SnapshotPage = lazy(() => import('./pages/SubvolumesPage').then((m) => ({ default: m.SnapshotPage })));
const TokensPage = lazy(() => import('./pages/TokensPage').then((m) => ({ default: m.TokensPage })));
const UsersPage = lazy(() => import('./pages/UsersPage').then((m) => ({ default: m.UsersPage })));

export interface PageRoute {
  path: string;
  /** Its name in the sidebar: a key of layout.json's `nav`. */
  nav: keyof typeof en.layout.nav;
  icon: ComponentType<{ size?: number }>;
  element: ReactElement;
  /** Detail pages below it (not in the sidebar; the sidebar entry stays highlighted). */
  subroutes?: { path: string; element: ReactElement }[];
}

export const pages: PageRoute[] = [
  { path: '/', nav: 'overview', icon: IconOverview, element: <OverviewPage /> },
  { path: '/events', nav: 'events', icon: IconEvents, element: <EventsPage /> },
  // ── Room for the pages that come with their API (add each when its endpoints exist) ──
  {
    path: '/servers',
    nav: 'servers',
    icon: IconServers,
    element: <ServersPage />,
    subroutes: [{ path: '/servers/:id', element: <ServerPage /> }],
  },
  {
    path: '/subvolumes',
    nav: 'subvolumes',
    icon: IconSubvolumes,
    element: <SubvolumesPage />,
    subroutes: [
      { path: '/subvolumes/:id', element: <SubvolumePage /> },
      { path: '/subvolumes/:id/snapshots/:snapshotId', element: <SnapshotPage /> },
    ],
  },
  {
    path: '/policies',
    nav: 'policies',
    icon: IconPolicies,
    element: <PoliciesPage />,
    subroutes: [{ path: '/policies/:id', element: <PolicyPage /> }],
  },
  {
    path: '/replication',
    nav: 'replication',
    icon: IconReplication,
    element: <ReplicationPage />,
    subroutes: [
      { path: '/replication/targets/:id', element: <TargetPage /> },
      { path: '/replication/targets/:id/replicas/:replicaId', element: <ReplicaPage /> },
    ],
  },
  { path: '/restores', nav: 'restores', icon: IconRestore, element: <RestoresPage /> },
  { path: '/notifications', nav: 'notifications', icon: IconNotifications, element: <NotificationsPage /> },
  { path: '/users', nav: 'users', icon: IconUsers, element: <UsersPage /> },
  { path: '/tokens', nav: 'tokens', icon: IconTokens, element: <TokensPage /> },
];
