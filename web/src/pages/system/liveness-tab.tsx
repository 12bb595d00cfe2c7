import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, LIVE_INTERVAL_MS, type Availability } from '../../api.ts';
import { Empty, ErrorBox, Loading, Pagination, STATUS_LABEL, StatusDot, Time } from '../../components/ui.tsx';
import { duration } from '../../format.ts';
import { spellSeconds, suggestedHeartbeatSeconds, useHeartbeatTimeout } from '../../heartbeat-interval.ts';
import { useTimeFormat } from '../../time-zone.ts';

const WINDOWS = [
  ['24h', '24 hours'],
  ['7d', '7 days'],
  ['30d', '30 days'],
] as const;

export function LivenessTab({ systemId, organizationId }: { systemId: string; organizationId: string }) {
  const timeout = useHeartbeatTimeout(organizationId);
  const [window, setWindow] = useState<(typeof WINDOWS)[number][0]>('24h');
  const [page, setPage] = useState(1);
  const availability = useQuery({
    queryKey: ['availability', systemId, window],
    queryFn: () => api.get('systems/{id}/availability', { path: { id: systemId }, query: { window } }),
    refetchInterval: LIVE_INTERVAL_MS,
    placeholderData: keepPreviousData,
  });
  const events = useQuery({
    queryKey: ['events', systemId, page],
    queryFn: () => api.get('systems/{id}/events', { path: { id: systemId }, query: { page, page_size: 25 } }),
    refetchInterval: LIVE_INTERVAL_MS,
    placeholderData: keepPreviousData,
  });

  return (
    <div className="stack">
      <section className="card">
        <div className="page-head">
          <h2>Availability</h2>
          <span className="spacer" />
          <div className="segmented" role="group" aria-label="Window">
            {WINDOWS.map(([value, label]) => (
              <button
                key={value}
                type="button"
                className={window === value ? 'button small selected' : 'button small'}
                aria-pressed={window === value}
                onClick={() => setWindow(value)}
              >
                {label}
              </button>
            ))}
          </div>
        </div>
        <ErrorBox error={availability.error} />
        {availability.data ? <AvailabilityStrip availability={availability.data} /> : <Loading />}
      </section>
      <section className="card">
        <h2>Liveness events</h2>
        <ErrorBox error={events.error} />
        {events.data && events.data.items.length === 0 ? (
          <Empty title="No transitions yet">
            The first heartbeat turns the system active.
            {timeout === undefined
              ? null
              : ` Send one every ${spellSeconds(suggestedHeartbeatSeconds(timeout))} or so: the organization's timeout is ${spellSeconds(timeout)}, after which a silent system turns inactive.`}
          </Empty>
        ) : null}
        {events.data && events.data.items.length > 0 ? (
          <>
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                </tr>
              </thead>
              <tbody>
                {events.data.items.map((event) => (
                  <tr key={event.id}>
                    <td>
                      <Time iso={event.occurred_at} />
                    </td>
                    <td>
                      <StatusDot status={event.from} withLabel />
                    </td>
                    <td>
                      <StatusDot status={event.to} withLabel />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pagination page={page} pageSize={25} total={events.data.total} onPage={setPage} />
          </>
        ) : null}
      </section>
    </div>
  );
}

function AvailabilityStrip({ availability }: { availability: Availability }) {
  const start = new Date(availability.from).getTime();
  const total = new Date(availability.to).getTime() - start;
  const time = useTimeFormat();
  return (
    <div>
      <p className="big-number">
        {availability.active_percent === null ? '—' : `${availability.active_percent.toFixed(2)} %`} <span className="muted">active</span>
      </p>
      <div className="strip" role="img" aria-label={`Active ${availability.active_percent ?? 0} % of the window`}>
        {availability.spans.map((span) => {
          const width = ((new Date(span.to).getTime() - new Date(span.from).getTime()) / total) * 100;
          const label = span.status === 'untracked' ? 'Not yet created' : STATUS_LABEL[span.status];
          return (
            <span
              key={span.from}
              className={`strip-span span-${span.status}`}
              style={{ width: `${width}%` }}
              title={`${label}: ${time.dateTime(span.from)} – ${time.dateTime(span.to)}`}
            />
          );
        })}
      </div>
      <div className="strip-axis muted">
        <span>{time.dateTime(availability.from)}</span>
        <span>now</span>
      </div>
      <ul className="legend">
        {(['active', 'warning', 'inactive', 'unknown'] as const).map((status) => (
          <li key={status}>
            <StatusDot status={status} /> {STATUS_LABEL[status]} {duration(availability.seconds[status])}
          </li>
        ))}
      </ul>
    </div>
  );
}
