import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, type MetricName, type TopSystem } from '../../api.ts';
import { formatNumber } from '../../components/metric-chart.tsx';
import { ErrorBox, Loading, Time } from '../../components/ui.tsx';

const LISTS: readonly { name: MetricName; title: string; id: string }[] = [
  { name: 'cpu.percent', title: 'Highest CPU', id: 'cpu' },
  { name: 'memory.percent', title: 'Highest memory', id: 'memory' },
  { name: 'disk.percent', title: 'Fullest disk', id: 'disk' },
];
const LIMIT = 5;

/** The fleet's busiest systems by their latest samples, each row leading to the system's Metrics tab. */
export function TopSystems({ organizationId }: { organizationId: string | undefined }) {
  return (
    <section className="card" aria-labelledby="top-systems-title">
      <h2 id="top-systems-title">Top systems</h2>
      <p className="muted">By the latest samples of the last 15 minutes.</p>
      <div className="top-lists">
        {LISTS.map((list) => (
          <TopList key={list.name} {...list} organizationId={organizationId} />
        ))}
      </div>
    </section>
  );
}

function TopList({ name, title, id, organizationId }: { name: MetricName; title: string; id: string; organizationId: string | undefined }) {
  const top = useQuery({
    queryKey: ['metrics-top', name, organizationId ?? null],
    queryFn: () => api.get('metrics/top', { query: { name, organization_id: organizationId, limit: LIMIT } }),
    refetchInterval: 30_000,
  });
  const headingId = `top-${id}-title`;
  return (
    <div className="top-list">
      <h3 id={headingId}>{title}</h3>
      <ErrorBox error={top.error} />
      {top.isPending ? <Loading /> : null}
      {top.data && top.data.items.length === 0 ? <p className="muted">No system has reported it lately.</p> : null}
      {top.data && top.data.items.length > 0 ? (
        <ol className="ranking" aria-labelledby={headingId} data-testid={`top-${id}`}>
          {top.data.items.map((item) => (
            <TopRow key={`${item.system_id}${JSON.stringify(item.labels)}`} item={item} />
          ))}
        </ol>
      ) : null}
    </div>
  );
}

function TopRow({ item }: { item: TopSystem }) {
  const mountpoint = item.labels.mountpoint;
  return (
    <li>
      <div className="ranking-row">
        <span className="ranking-name">
          <Link to={`/systems/${item.system_id}/metrics`}>{item.system_name}</Link>
          {mountpoint ? <code className="muted"> {mountpoint}</code> : null}
        </span>
        <span className="ranking-value" data-testid="top-value">
          {formatNumber(item.value)} %
        </span>
        <span className="bar" aria-hidden="true">
          <span style={{ width: `${Math.max(0, Math.min(100, item.value))}%` }} />
        </span>
        <span className="muted ranking-at">
          <Time iso={item.at} />
        </span>
      </div>
    </li>
  );
}
