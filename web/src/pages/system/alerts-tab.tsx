import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, LIVE_INTERVAL_MS } from '../../api.ts';
import { AlertRows } from '../../components/alert-triage.tsx';
import { Empty, ErrorBox, Loading, Pagination } from '../../components/ui.tsx';

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
        {firing.data && firing.data.items.length > 0 ? <AlertRows alerts={firing.data.items} /> : null}
      </section>
      <section className="card">
        <h2>History</h2>
        <ErrorBox error={history.error} />
        {history.data?.items.length === 0 ? (
          <Empty title="No alerts yet">Alerts are raised by liveness changes, significant inventory changes and registrations.</Empty>
        ) : null}
        {history.data && history.data.items.length > 0 ? (
          <>
            <AlertRows alerts={history.data.items} />
            <Pagination page={page} pageSize={25} total={history.data.total} onPage={setPage} />
          </>
        ) : null}
      </section>
    </div>
  );
}
