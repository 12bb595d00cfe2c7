import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { Cell, Pie, PieChart, ResponsiveContainer, Tooltip } from 'recharts';
import { api, LIVE_INTERVAL_MS, STATUSES } from '../api.ts';
import { ChangeList } from '../components/change-list.tsx';
import { Empty, ErrorBox, HealthBadge, Loading, STATUS_LABEL, StatusDot, Time } from '../components/ui.tsx';
import { useOrganization } from '../organization.tsx';
import { TopSystems } from './overview/top-systems.tsx';

const STATUS_COLOR = { active: 'var(--active)', warning: 'var(--warning)', inactive: 'var(--inactive)', unknown: 'var(--unknown)' };

export function OverviewPage() {
  // The organization switcher's choice narrows every count and list here.
  const organization_id = useOrganization().selected?.id;
  const summary = useQuery({
    queryKey: ['summary', organization_id ?? null],
    queryFn: () => api.get('summary', { query: { organization_id } }),
    refetchInterval: LIVE_INTERVAL_MS,
  });
  const attention = useQuery({
    queryKey: ['systems', 'attention', organization_id ?? null],
    queryFn: () => api.get('systems', { query: { status: ['inactive', 'warning'], sort: 'last_heartbeat', order: 'asc', page_size: 10, organization_id } }),
    refetchInterval: LIVE_INTERVAL_MS,
  });
  const alerts = useQuery({
    queryKey: ['alerts', 'firing', organization_id ?? null],
    queryFn: () => api.get('alerts', { query: { status: 'firing', severity: ['critical', 'high'], page_size: 10, organization_id } }),
    refetchInterval: LIVE_INTERVAL_MS,
  });
  const attentionIds = attention.data?.items.map((system) => system.id) ?? [];
  const health = useQuery({
    queryKey: ['health', attentionIds],
    enabled: attentionIds.length > 0,
    queryFn: () => api.get('health-scores', { query: { system_id: attentionIds } }),
  });
  const scores = new Map(health.data?.items.map((item) => [item.system_id, item]) ?? []);

  if (summary.isPending) return <Loading />;
  if (summary.error) return <ErrorBox error={summary.error} />;
  const data = summary.data;
  const chart = STATUSES.map((status) => ({ name: STATUS_LABEL[status], status, value: data.by_status[status] })).filter((entry) => entry.value > 0);

  return (
    <div className="page">
      <h1>Fleet overview</h1>
      <section className="stats" aria-label="Systems by status">
        <Link className="stat" to="/systems">
          <span className="stat-label">Total systems</span>
          <span className="stat-value" data-testid="total-systems">
            {data.total.toLocaleString()}
          </span>
        </Link>
        {STATUSES.map((status) => (
          <Link key={status} className={`stat stat-${status}`} to={`/systems?status=${status}`}>
            <span className="stat-label">
              <StatusDot status={status} /> {STATUS_LABEL[status]}
            </span>
            <span className="stat-value" data-testid={`count-${status}`}>
              {data.by_status[status].toLocaleString()}
            </span>
          </Link>
        ))}
        <div className="stat chart" aria-hidden="true">
          {chart.length > 0 ? (
            <ResponsiveContainer width="100%" height={96}>
              {/* Recharts makes a chart and its pie focusable by default: this one is decoration, hidden from assistive technology. */}
              <PieChart accessibilityLayer={false}>
                <Pie data={chart} dataKey="value" nameKey="name" innerRadius={26} outerRadius={44} isAnimationActive={false} rootTabIndex={-1}>
                  {chart.map((entry) => (
                    <Cell key={entry.status} fill={STATUS_COLOR[entry.status]} />
                  ))}
                </Pie>
                <Tooltip />
              </PieChart>
            </ResponsiveContainer>
          ) : null}
        </div>
      </section>

      <div className="columns">
        <section className="card" aria-labelledby="attention-title">
          <h2 id="attention-title">Needs attention</h2>
          <p className="muted">
            {data.needs_attention.inactive} inactive · {data.needs_attention.warning} warning · {data.needs_attention.critical_changes_24h} with critical
            changes in 24 h
          </p>
          <ErrorBox error={attention.error ?? alerts.error} />
          {attention.data && attention.data.items.length === 0 && alerts.data?.items.length === 0 ? (
            <Empty title="All quiet">No system is inactive or in warning, and no critical or high alert is firing.</Empty>
          ) : null}
          <ul className="plain-list">
            {attention.data?.items.map((system) => (
              <li key={system.id}>
                <StatusDot status={system.status} />
                <Link to={`/systems/${system.id}`}>{system.name}</Link>
                <span className="muted">
                  last heartbeat <Time iso={system.last_heartbeat} />
                </span>
                <HealthBadge score={scores.get(system.id)?.score} grade={scores.get(system.id)?.grade} />
              </li>
            ))}
            {alerts.data?.items.map((alert) => (
              <li key={alert.id}>
                <span className={`badge severity-${alert.severity}`}>{alert.severity}</span>
                {alert.system_id ? <Link to={`/systems/${alert.system_id}/alerts`}>{alert.summary}</Link> : <span>{alert.summary}</span>}
                <span className="muted">
                  since <Time iso={alert.starts_at} />
                </span>
              </li>
            ))}
          </ul>
        </section>

        <section className="card" aria-labelledby="changes-title">
          <h2 id="changes-title">Recent significant changes</h2>
          {data.recent_changes.length === 0 ? (
            <Empty title="No changes yet">Changes appear here when a system sends an inventory that differs from its previous one.</Empty>
          ) : (
            <ChangeList changes={data.recent_changes} showSystem />
          )}
        </section>
      </div>

      <TopSystems organizationId={organization_id} />
    </div>
  );
}
