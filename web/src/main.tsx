import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Route, Routes, useLocation, useNavigate } from 'react-router';
import { ApiError } from './api.ts';
import { ConnectionProvider } from './connection.tsx';
import { Layout } from './components/layout.tsx';
import { ToastProvider } from './components/toasts.tsx';
import { OrganizationProvider } from './organization.tsx';
import { AcceptInvitationPage } from './pages/accept-invitation-page.tsx';
import { AccountPage } from './pages/account-page.tsx';
import { AlertsPage } from './pages/alerts-page.tsx';
import { AttentionPage } from './pages/attention-page.tsx';
import { AuditPage } from './pages/audit-page.tsx';
import { ApiKeysPage } from './pages/api-keys-page.tsx';
import { HeartbeatDaemonPage } from './pages/heartbeat-daemon-page.tsx';
import { JobsPage } from './pages/jobs-page.tsx';
import { MembersPage } from './pages/members-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { OverviewPage } from './pages/overview-page.tsx';
import { SettingsPage } from './pages/settings-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { SystemPage } from './pages/system-page.tsx';
import { SystemsPage } from './pages/systems-page.tsx';
import { WebhooksPage } from './pages/webhooks-page.tsx';
import { Loading } from './components/ui.tsx';
import { SessionProvider, useSession } from './session.tsx';
import { applyStoredTheme } from './theme.ts';
import './styles.css';

applyStoredTheme();

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not get better by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      staleTime: 2000,
    },
  },
});

// The router works under the page's <base href> (Muster's BASE_PATH).
const basename = new URL(document.baseURI).pathname.replace(/\/$/, '') || '/';

function App() {
  const { current } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  // Whoever holds an invitation link sets a password there, signed in or not.
  if (location.pathname === '/accept-invitation') return <AcceptInvitationPage onDone={() => void navigate('/', { replace: true })} />;
  if (current === undefined) return <Loading />;
  if (current === null) return <SignInPage />;
  return (
    <OrganizationProvider>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<OverviewPage />} />
          <Route path="attention" element={<AttentionPage />} />
          <Route path="alerts" element={<AlertsPage />} />
          <Route path="systems" element={<SystemsPage />} />
          <Route path="systems/:id" element={<SystemPage />} />
          <Route path="systems/:id/:tab" element={<SystemPage />} />
          <Route path="settings" element={<SettingsPage />} />
          <Route path="members" element={<MembersPage />} />
          <Route path="api-keys" element={<ApiKeysPage />} />
          <Route path="webhooks" element={<WebhooksPage />} />
          <Route path="heartbeat-daemon" element={<HeartbeatDaemonPage />} />
          <Route path="jobs" element={<JobsPage />} />
          <Route path="audit" element={<AuditPage />} />
          <Route path="account" element={<AccountPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </OrganizationProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ConnectionProvider>
        <ToastProvider>
          <SessionProvider>
            <BrowserRouter basename={basename}>
              <App />
            </BrowserRouter>
          </SessionProvider>
        </ToastProvider>
      </ConnectionProvider>
    </QueryClientProvider>
  </StrictMode>,
);
