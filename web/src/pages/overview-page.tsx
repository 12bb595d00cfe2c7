import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { Cell, Pie, PieChart, ResponsiveContainer, Tooltip } from 'recharts';
import { api, LIVE_INTERVAL_MS, STATUSES } from '../api.ts';
import { AttentionList } from '../components/attention-list.tsx';
import { ChangeList } from '../components/change-list.tsx';
import { Empty, ErrorBox, Loading, STATUS_LABEL, StatusDot } from '../components/ui.tsx';
import { useOrganization } from '../organization.tsx';
import { AttentionTotals } from './attention-page.tsx';
import { TopSystems } from './overview/top-systems.tsx';
import { VersionDistribution } from './overview/version-distribution.tsx';
import { usePageTitle } from '../page-title.ts';

/** Systems shown in the overview's Needs attention card. */
const ATTENTION_ROWS = 10;
const STATUS_COLOR = { active: 'var(--active)', warning: 'var(--warning)', inactive: 'var(--inactive)', unknown: 'var(--unknown)' };

export function OverviewPage() {
  usePageTitle('Fleet overview');
  // The organization switcher's choice narrows every count and list here.
  const organization_id = useOrganization().selected?.id;
  const summary = useQuery({
    queryKey: ['summary', organization_id ?? null],
    queryFn: () => api.get('summary', { query: { organization_id } }),
    refetchInterval: LIVE_INTERVAL_MS,
  });
  // The worst first, one row per system: the full list is the Needs attention page.
  const attention = useQuery({
    queryKey: ['attention', organization_id ?? null, 1, ATTENTION_ROWS],
    queryFn: () => api.get('attention', { query: { organization_id, page_size: ATTENTION_ROWS } }),
    refetchInterval: LIVE_INTERVAL_MS,
  });

  if (summary.isPending) return <OverviewSkeleton />;
  // A lost connection keeps the last counts on screen (the banner says so); other errors with nothing to show replace them.
  if (!summary.data) return <ErrorBox error={summary.error} />;
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
          <Link key={status} className={`stat stat-${status}`} to={`/systems?status=${status}&suspended=false`}>
            <span className="stat-label">
              <StatusDot status={status} /> {STATUS_LABEL[status]}
            </span>
            <span className="stat-value" data-testid={`count-${status}`}>
              {data.by_status[status].toLocaleString()}
            </span>
          </Link>
        ))}
        <Link className="stat stat-suspended" to="/systems?suspended=true">
          <span className="stat-label">Suspended</span>
          <span className="stat-value" data-testid="count-suspended">
            {data.suspended.toLocaleString()}
          </span>
        </Link>
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
          <ErrorBox error={attention.error} />
          {attention.data ? (
            <>
              <AttentionTotals total={attention.data.total} byTier={attention.data.by_tier} />
              {attention.data.items.length === 0 ? (
                <Empty title="All quiet">No system is inactive or late, and no critical or high alert is firing.</Empty>
              ) : (
                <AttentionList items={attention.data.items} />
              )}
              {attention.data.total > attention.data.items.length ? (
                <p>
                  <Link to="/attention">View all {attention.data.total.toLocaleString()} systems needing attention</Link>
                </p>
              ) : null}
            </>
          ) : (
            <Loading rows={ATTENTION_ROWS / 2} />
          )}
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

      <VersionDistribution versions={data.by_version} />

      <TopSystems organizationId={organization_id} />
    </div>
  );
}

/** The overview's cards, greyed out while the first counts load. */
function OverviewSkeleton() {
  return (
    <div className="page">
      <h1>Fleet overview</h1>
      <Loading shape="cards" rows={7} />
      <div className="columns">
        <section className="card">
          <Loading rows={4} />
        </section>
        <section className="card">
          <Loading rows={4} />
        </section>
      </div>
    </div>
  );
}
