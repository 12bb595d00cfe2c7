import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api, ApiError, LIVE_INTERVAL_MS, type System } from '../api.ts';
import { SystemActions } from '../components/system-actions.tsx';
import { ErrorBox, HealthBadge, Loading, STATUS_LABEL, StatusDot, Tabs, Time } from '../components/ui.tsx';
import { HeartbeatHint } from '../components/heartbeat-hint.tsx';
import { useOrganization } from '../organization.tsx';
import { usePageTitle } from '../page-title.ts';
import { SystemNotFoundPage } from './not-found-page.tsx';
import { AlertsTab } from './system/alerts-tab.tsx';
import { BackupsTab } from './system/backups-tab.tsx';
import { ChangesTab } from './system/changes-tab.tsx';
import { InventoryTab } from './system/inventory-tab.tsx';
import { LivenessTab } from './system/liveness-tab.tsx';
import { MetricsTab } from './system/metrics-tab.tsx';

const TABS = [
  ['overview', 'Overview'],
  ['liveness', 'Liveness'],
  ['metrics', 'Metrics'],
  ['inventory', 'Inventory'],
  ['changes', 'Changes'],
  ['alerts', 'Alerts'],
  ['backups', 'Backups'],
] as const;
type Tab = (typeof TABS)[number][0];

export function SystemPage() {
  const { id = '', tab: tabParam } = useParams();
  const navigate = useNavigate();
  const tab: Tab = TABS.some(([name]) => name === tabParam) ? (tabParam as Tab) : 'overview';
  const system = useQuery({ queryKey: ['system', id], queryFn: () => api.get('systems/{id}', { path: { id } }), refetchInterval: LIVE_INTERVAL_MS });
  // The Alerts tab says how many are firing.
  const firing = useQuery({
    queryKey: ['alerts', id, 'firing-count'],
    queryFn: () => api.get('systems/{id}/alerts', { path: { id }, query: { status: 'firing', page_size: 1 } }),
    refetchInterval: LIVE_INTERVAL_MS,
  });
  const tabs = TABS.map(([name, label]) =>
    name === 'alerts' && firing.data && firing.data.total > 0 ? ([name, `${label} (${firing.data.total})`] as const) : ([name, label] as const),
  );

  // A malformed id fails the API's validation (400); an unknown one, or one of an organization the user cannot see, is a 404.
  const notFound = system.error instanceof ApiError && (system.error.status === 404 || system.error.status === 400);
  const tabLabel = TABS.find(([name]) => name === tab)![1];
  usePageTitle(notFound ? 'System not found' : system.data ? `${system.data.name} · ${tabLabel}` : null);

  if (system.isPending) return <Loading shape="page" />;
  if (notFound) return <SystemNotFoundPage id={id} malformed={(system.error as ApiError).status === 400} />;
  // Other errors replace the page only when there is nothing to show: a lost connection keeps the last data.
  if (!system.data) return <ErrorBox error={system.error} />;
  const data = system.data;

  return (
    <div className="page">
      <p className="breadcrumbs">
        <Link to="/systems">Systems</Link> / {data.name}
      </p>
      <div className="page-head">
        <h1>
          <StatusDot status={data.status} /> {data.name}
        </h1>
        <span className="status-text" data-testid="system-status">
          {STATUS_LABEL[data.status]}
        </span>
        {data.suspended ? <span className="badge">suspended</span> : null}
        {data.deleted ? <span className="badge">deleted</span> : null}
        <span className="spacer" />
        <SystemActions system={data} />
      </div>
      <Tabs
        id="system"
        label={`Sections of ${data.name}`}
        tabs={tabs}
        current={tab}
        onSelect={(next) => void navigate(`/systems/${id}${next === 'overview' ? '' : `/${next}`}`)}
      >
        {tab === 'overview' ? <OverviewTab system={data} /> : null}
        {tab === 'liveness' ? <LivenessTab systemId={id} organizationId={data.organization_id} /> : null}
        {tab === 'metrics' ? <MetricsTab systemId={id} /> : null}
        {tab === 'inventory' ? <InventoryTab systemId={id} /> : null}
        {tab === 'changes' ? <ChangesTab systemId={id} /> : null}
        {tab === 'alerts' ? <AlertsTab systemId={id} /> : null}
        {tab === 'backups' ? <BackupsTab systemId={id} organizationId={data.organization_id} /> : null}
      </Tabs>
    </div>
  );
}

function OverviewTab({ system }: { system: System }) {
  const health = useQuery({
    queryKey: ['health', system.id],
    queryFn: () => api.get('systems/{id}/health', { path: { id: system.id } }),
    refetchInterval: 30_000,
  });
  const components = health.data?.components;
  return (
    <div className="columns">
      <section className="card">
        <h2>Identity</h2>
        <dl className="facts">
          <dt>System key</dt>
          <dd>
            <code>{system.system_key}</code>
          </dd>
          <dt>Organization</dt>
          <dd>{system.organization_name}</dd>
          <dt>Type</dt>
          <dd>{system.type ?? '—'}</dd>
          <dt>Muster agent</dt>
          <dd>
            {system.agent_version === null ? (
              <span className="muted">none seen</span>
            ) : (
              <>
                <code>{system.agent_version}</code> since <Time iso={system.agent_version_changed_at} />
              </>
            )}
          </dd>
          {system.source === 'heartbeat-daemon' ? <HeartbeatDaemonComponent system={system} /> : null}
          <dt>Status</dt>
          <dd>
            <StatusDot status={system.status} withLabel /> since <Time iso={system.status_changed_at} empty="creation" />
          </dd>
          <dt>Last heartbeat</dt>
          <dd>
            <Time iso={system.last_heartbeat} />
            {system.source === 'heartbeat-daemon' ? null : (
              <>
                {' '}
                <HeartbeatHint organizationId={system.organization_id} />
              </>
            )}
          </dd>
          <dt>Registered</dt>
          <dd>
            <Time iso={system.registered_at} empty="not yet" />
          </dd>
          <dt>Created</dt>
          <dd>
            <Time iso={system.created_at} />
          </dd>
          <dt>Labels</dt>
          <dd>
            {Object.keys(system.labels).length === 0 ? (
              <span className="muted">none</span>
            ) : (
              Object.entries(system.labels).map(([key, value]) => (
                <span key={key} className="label">
                  {key}={value}
                </span>
              ))
            )}
          </dd>
        </dl>
      </section>
      <section className="card">
        <h2>Network and OS</h2>
        <p className="muted">
          From the latest inventory, <Time iso={system.last_inventory_at} empty="none received yet" />.
        </p>
        <dl className="facts">
          <dt>FQDN</dt>
          <dd>{system.fqdn ?? '—'}</dd>
          <dt>IPv4</dt>
          <dd>{system.ipv4_address ?? '—'}</dd>
          <dt>IPv6</dt>
          <dd>{system.ipv6_address ?? '—'}</dd>
          <dt>OS</dt>
          <dd>{system.os ?? '—'}</dd>
          <dt>Version</dt>
          <dd>{system.version ?? '—'}</dd>
        </dl>
        <h2>
          Health <HealthBadge score={health.data?.score} grade={health.data?.grade} />
        </h2>
        {components ? (
          <ul className="meters">
            {(
              [
                ['availability', 'Active over 7 days', 50],
                ['freshness', 'Inventory freshness', 20],
                ['changes', 'Few significant changes', 15],
                ['alerts', 'No open alerts', 15],
              ] as const
            ).map(([key, label, weight]) => (
              <li key={key}>
                <span>
                  {label} <span className="muted">(×{weight})</span>
                </span>
                <meter min={0} max={1} value={components[key]} low={0.5} high={0.9} optimum={1} />
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No score until the system registers.</p>
        )}
      </section>
    </div>
  );
}

/** A compute node reporting through the heartbeat-daemon dialect: its xname, and where its organization's thresholds are set. */
function HeartbeatDaemonComponent({ system }: { system: System }) {
  const { select } = useOrganization();
  return (
    <>
      <dt>Heartbeat daemon component</dt>
      <dd>
        <code data-testid="xname">{system.external_id}</code> · {/* The parameters page shows the switcher's organization: make it this node's. */}
        <Link to="/heartbeat-daemon" onClick={() => select(system.organization_id)}>
          Parameters of {system.organization_name}
        </Link>
      </dd>
    </>
  );
}
