import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, LIVE_INTERVAL_MS, type Alert } from '../../api.ts';
import { Empty, ErrorBox, Loading, Pagination, SeverityBadge, Time } from '../../components/ui.tsx';

export function AlertsTab({ systemId }: { systemId: string }) {
  const [page, setPage] = useState(1);
  const firing = useQuery({
    queryKey: ['alerts', systemId, 'firing'],
    queryFn: () => api.get('systems/{id}/alerts', { path: { id: systemId }, query: { status: 'firing', page_size: 100 } }),
    refetchInterval: LIVE_INTERVAL_MS,
  });
  const history = useQuery({
    queryKey: ['alerts', systemId, 'history', page],
    queryFn: () => api.get('systems/{id}/alerts', { path: { id: systemId }, query: { page, page_size: 25 } }),
    refetchInterval: LIVE_INTERVAL_MS,
    placeholderData: keepPreviousData,
  });
  return (
    <div className="stack">
      <section className="card">
        <h2>Firing</h2>
        <ErrorBox error={firing.error} />
        {firing.isPending ? <Loading /> : null}
        {firing.data?.items.length === 0 ? <Empty title="Nothing firing">This system has no open alert.</Empty> : null}
        {firing.data && firing.data.items.length > 0 ? <AlertTable alerts={firing.data.items} /> : null}
      </section>
      <section className="card">
        <h2>History</h2>
        <ErrorBox error={history.error} />
        {history.data?.items.length === 0 ? (
          <Empty title="No alerts yet">Alerts are raised by liveness changes, significant inventory changes and registrations.</Empty>
        ) : null}
        {history.data && history.data.items.length > 0 ? (
          <>
            <AlertTable alerts={history.data.items} />
            <Pagination page={page} pageSize={25} total={history.data.total} onPage={setPage} />
          </>
        ) : null}
      </section>
    </div>
  );
}

function AlertTable({ alerts }: { alerts: Alert[] }) {
  return (
    <table className="table">
      <thead>
        <tr>
          <th scope="col">Severity</th>
          <th scope="col">Alert</th>
          <th scope="col">Summary</th>
          <th scope="col">Started</th>
          <th scope="col">Ended</th>
        </tr>
      </thead>
      <tbody>
        {alerts.map((alert) => (
          <tr key={alert.id}>
            <td>
              <SeverityBadge severity={alert.severity} />
            </td>
            <td>{alert.name}</td>
            <td>{alert.summary}</td>
            <td>
              <Time iso={alert.starts_at} />
            </td>
            <td>{alert.status === 'firing' ? <span className="badge firing">firing</span> : <Time iso={alert.ends_at} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
