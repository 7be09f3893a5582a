import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { AppShell } from './components/AppShell';
import './index.css';
import { Toaster } from 'sonner';
import { ApiKeysPage } from './pages/ApiKeysPage';
import { AuditLogPage } from './pages/AuditLogPage';
import { ConflictDetailPage, ConflictsPage } from './pages/ConflictsPage';
import { ConnectionsPage } from './pages/ConnectionsPage';
import { LoginPage } from './pages/LoginPage';
import { MembersPage } from './pages/MembersPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { OverviewPage } from './pages/OverviewPage';
import { SitesPage } from './pages/SitesPage';
import { RunsPage } from './pages/RunsPage';
import { RunDetailPage } from './pages/RunDetailPage';
import { SyncsPage } from './pages/SyncsPage';
import { SyncDetailPage } from './pages/SyncDetailPage';
import { SyndicationPage } from './pages/SyndicationPage';
import { MappingsPage } from './pages/MappingsPage';
import { ContentPage } from './pages/ContentPage';
import { SocialAccountsPage } from './pages/SocialAccountsPage';
import { SocialSyncLogsPage } from './pages/SocialSyncLogsPage';
import { PostsPage } from './pages/PostsPage';
import { AdServerPage } from './pages/AdServerPage';

const queryClient = new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: false } } });

const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    path: '/',
    element: <AppShell />,
    children: [
      { index: true, element: <OverviewPage /> },
      { path: 'connections', element: <ConnectionsPage /> },
      { path: 'sites', element: <SitesPage /> },
      { path: 'syndication', element: <SyndicationPage /> },
      { path: 'mappings', element: <MappingsPage /> },
      { path: 'content', element: <ContentPage /> },
      { path: 'api-keys', element: <ApiKeysPage /> },
      { path: 'members', element: <MembersPage /> },
      { path: 'audit-log', element: <AuditLogPage /> },
      { path: 'runs', element: <RunsPage /> },
      { path: 'runs/:id', element: <RunDetailPage /> },
      { path: 'syncs', element: <SyncsPage /> },
      { path: 'syncs/:id', element: <SyncDetailPage /> },
      { path: 'conflicts', element: <ConflictsPage /> },
      { path: 'conflicts/:id', element: <ConflictDetailPage /> },
      { path: 'social/accounts', element: <SocialAccountsPage /> },
      { path: 'social/sync-logs', element: <SocialSyncLogsPage /> },
      { path: 'posts', element: <PostsPage /> },
      { path: 'adserver', element: <AdServerPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
      <Toaster richColors position="bottom-right" />
    </QueryClientProvider>
  </StrictMode>,
);
