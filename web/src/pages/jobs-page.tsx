import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, LIVE_INTERVAL_MS, type DeadJob } from '../api.ts';
import { Empty, ErrorBox, Loading, Pagination, Time } from '../components/ui.tsx';
import { useAccess } from '../session.tsx';
import { useUrlFilters } from '../url-filters.ts';
import { usePageTitle } from '../page-title.ts';

const DEAD_PAGE_SIZE = 20;

/** An error as the queue keeps it (`{name, message}`), in one line. */
function errorText(error: unknown): string {
  if (error === null || error === undefined) return 'no error recorded';
  if (typeof error === 'object') {
    const { name, message } = error as { name?: unknown; message?: unknown };
    if (typeof message === 'string') return `${typeof name === 'string' ? `${name}: ` : ''}${message}`;
  }
  return JSON.stringify(error);
}

/** A queue's name with line breaks allowed after its dots and dashes (`heartbeat-daemon-notifications` on a phone). */
function breakable(name: string) {
  return name.split(/(?<=[.-])/).map((part, index) => (
    <span key={index}>
      {part}
      <wbr />
    </span>
  ));
}

/** Background job queues for global admins: how many wait, run and died, and a queue's dead jobs with their errors, sent back on demand. */
export function JobsPage() {
  usePageTitle('Background jobs');
  const access = useAccess();
  const { params, update } = useUrlFilters();
  const chosen = params.get('queue');
  const jobs = useQuery({ queryKey: ['jobs'], enabled: access.globalAdmin, queryFn: () => api.get('jobs'), refetchInterval: LIVE_INTERVAL_MS });

  if (!access.globalAdmin) return <p className="muted">Job queues are for global admins (the global permission jobs:manage).</p>;
  return (
    <div className="page">
      <h1>Background jobs</h1>
      <section className="card" aria-labelledby="queues-title">
        <h2 id="queues-title">Queues</h2>
        <ErrorBox error={jobs.error} />
        {jobs.isPending ? <Loading /> : null}
        {jobs.data && !jobs.data.healthy ? (
          <p className="error-text" role="alert">
            The job runner is not healthy: its database connection failed within the last minute.
          </p>
        ) : null}
        {jobs.data?.queues.length === 0 ? <Empty title="No queues defined" /> : null}
        {jobs.data && jobs.data.queues.length > 0 ? (
          <table className="table queues">
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col">Waiting</th>
                <th scope="col">Running</th>
                <th scope="col">Dead</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.queues.map((queue) => (
                <tr key={queue.name} aria-current={queue.name === chosen || undefined}>
                  <th scope="row" className="queue-name">
                    {breakable(queue.name)}
                  </th>
                  <td>{queue.queued}</td>
                  <td>{queue.active}</td>
                  <td>
                    <button
                      type="button"
                      className={queue.name === chosen ? 'button small selected' : 'button small'}
                      aria-label={`Dead jobs of ${queue.name}: ${queue.dead}`}
                      onClick={() => update({ queue: queue.name === chosen ? undefined : queue.name })}
                    >
                      {queue.dead}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <p className="muted">Dead jobs used up their retries; choose a queue&apos;s count to see them with their last error.</p>
      </section>
      {chosen ? <DeadJobs key={chosen} queue={chosen} /> : null}
    </div>
  );
}

function DeadJobs({ queue }: { queue: string }) {
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [retried, setRetried] = useState<string | null>(null);
  const dead = useQuery({
    queryKey: ['dead-jobs', queue],
    queryFn: () => api.get('jobs/{queue}/dead', { path: { queue } }),
    refetchInterval: LIVE_INTERVAL_MS,
  });
  const retry = useMutation({
    mutationFn: (job: DeadJob) => api.post('jobs/{queue}/dead/{id}/retry', { path: { queue, id: job.id } }),
    onMutate: () => setRetried(null),
    onSuccess: async (_, job) => {
      setRetried(job.id);
      await Promise.all([queryClient.invalidateQueries({ queryKey: ['dead-jobs', queue] }), queryClient.invalidateQueries({ queryKey: ['jobs'] })]);
    },
  });
  // The API answers every dead job of the queue at once; they are paged here.
  const items = dead.data?.items ?? [];
  const pages = Math.max(1, Math.ceil(items.length / DEAD_PAGE_SIZE));
  const shownPage = Math.min(page, pages);
  const shown = items.slice((shownPage - 1) * DEAD_PAGE_SIZE, shownPage * DEAD_PAGE_SIZE);
  return (
    <section className="card" aria-labelledby="dead-title">
      <h2 id="dead-title">Dead jobs of {queue}</h2>
      <ErrorBox error={dead.error ?? retry.error} />
      {retried ? (
        <p role="status">
          Job {retried} sent back to {queue} for a fresh set of attempts.
        </p>
      ) : null}
      {dead.isPending ? <Loading /> : null}
      {dead.data && items.length === 0 ? <Empty title="No dead jobs">Every job of this queue succeeded or is still being tried.</Empty> : null}
      {shown.length > 0 ? (
        <ul className="item-list" aria-label={`Dead jobs of ${queue}`}>
          {shown.map((job) => (
            <li key={job.id} className="item" aria-label={`Dead job ${job.id}`}>
              <div className="item-head">
                <code className="item-title">{job.id}</code>
                <span className="muted">
                  queued <Time iso={job.created_at} />
                </span>
              </div>
              <p className="error-text" data-testid="dead-job-error">
                {errorText(job.error)}
              </p>
              <details>
                <summary>Job data</summary>
                <pre className="job-data">{JSON.stringify(job.data, null, 2)}</pre>
              </details>
              <div className="actions">
                <button type="button" className="button small" disabled={retry.isPending} onClick={() => retry.mutate(job)} aria-label={`Retry job ${job.id}`}>
                  Retry
                </button>
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      {items.length > DEAD_PAGE_SIZE ? <Pagination page={shownPage} pageSize={DEAD_PAGE_SIZE} total={items.length} onPage={setPage} /> : null}
    </section>
  );
}
