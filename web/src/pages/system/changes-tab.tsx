import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, CATEGORIES, DIFF_TYPES, LIVE_INTERVAL_MS, SEVERITIES, type Diff, type Severity, type TimelineDay } from '../../api.ts';
import { ChangeList } from '../../components/change-list.tsx';
import { groupByDay } from '../../day-groups.ts';
import { Empty, ErrorBox, Loading, Pagination } from '../../components/ui.tsx';
import { formatDay, startOfDay } from '../../time.ts';
import { useTimeFormat } from '../../time-zone.ts';

const DAY_MS = 86_400_000;
const SEVERITY_COLOR: Record<Severity, string> = { low: 'var(--low)', medium: 'var(--medium)', high: 'var(--high)', critical: 'var(--critical)' };

export function ChangesTab({ systemId }: { systemId: string }) {
  const [severity, setSeverity] = useState<Severity[]>([]);
  const [category, setCategory] = useState('');
  const [diffType, setDiffType] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const time = useTimeFormat();
  const filters = {
    severity,
    category: category || undefined,
    diff_type: diffType || undefined,
    // Days in the chosen zone; `to` is the day after, so the day is included.
    from: startOfDay(from, time.timeZone)?.toISOString(),
    to: startOfDay(to, time.timeZone, 1)?.toISOString(),
    search: search.trim() || undefined,
  };
  const diffs = useQuery({
    queryKey: ['diffs', systemId, filters, page],
    queryFn: () => api.get('systems/{id}/inventory/diffs', { path: { id: systemId }, query: { ...filters, page, page_size: 100 } }),
    refetchInterval: LIVE_INTERVAL_MS,
    placeholderData: keepPreviousData,
  });
  const timeline = useQuery({
    queryKey: ['timeline', systemId, time.timeZone],
    queryFn: () => api.get('systems/{id}/inventory/timeline', { path: { id: systemId }, query: { time_zone: time.timeZone } }),
    refetchInterval: LIVE_INTERVAL_MS,
  });
  const reset =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setPage(1);
    };

  return (
    <div className="stack">
      <section className="card">
        <h2>Last 30 days</h2>
        <ErrorBox error={timeline.error} />
        {timeline.data ? <TimelineChart from={timeline.data.from} to={timeline.data.to} days={timeline.data.days} /> : <Loading />}
      </section>
      <section className="card">
        <h2>Changes</h2>
        <form className="filters" onSubmit={(event) => event.preventDefault()} aria-label="Filter changes">
          <fieldset className="inline-group">
            <legend>Severity</legend>
            {SEVERITIES.map((value) => (
              <label key={value} className="inline">
                <input
                  type="checkbox"
                  name="severity"
                  value={value}
                  checked={severity.includes(value)}
                  onChange={(event) => reset(setSeverity)(event.target.checked ? [...severity, value] : severity.filter((item) => item !== value))}
                />{' '}
                {value}
              </label>
            ))}
          </fieldset>
          <label>
            Category
            <select value={category} onChange={(event) => reset(setCategory)(event.target.value)}>
              <option value="">Any</option>
              {CATEGORIES.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </label>
          <label>
            Change
            <select value={diffType} onChange={(event) => reset(setDiffType)(event.target.value)}>
              <option value="">Any</option>
              {DIFF_TYPES.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </label>
          <label>
            From ({time.zone})
            <input type="date" value={from} onChange={(event) => reset(setFrom)(event.target.value)} />
          </label>
          <label>
            To ({time.zone})
            <input type="date" value={to} onChange={(event) => reset(setTo)(event.target.value)} />
          </label>
          <label className="grow">
            Search
            <input type="search" value={search} placeholder="Path or value" onChange={(event) => reset(setSearch)(event.target.value)} />
          </label>
        </form>
        <ErrorBox error={diffs.error} />
        {diffs.isPending ? <Loading /> : null}
        {diffs.data?.items.length === 0 ? <Empty title="No changes match">Changes appear once a second, different inventory arrives.</Empty> : null}
        {diffs.data && diffs.data.items.length > 0 ? (
          <>
            <DayGroups changes={diffs.data.items} />
            <Pagination page={page} pageSize={100} total={diffs.data.total} onPage={setPage} />
          </>
        ) : null}
      </section>
    </div>
  );
}

/** Changes grouped by day in the chosen zone, newest first, with the quiet days between groups called out. */
function DayGroups({ changes }: { changes: Diff[] }) {
  const time = useTimeFormat();
  return (
    <div className="timeline">
      {groupByDay(changes, (change) => time.day(change.detected_at)).map((group) => (
        <div key={group.day}>
          {group.quietDaysBefore > 0 ? (
            <p className="gap muted">
              {group.quietDaysBefore} day{group.quietDaysBefore === 1 ? '' : 's'} without changes
            </p>
          ) : null}
          <h3 className="day">
            {formatDay(group.day)}{' '}
            <span className="muted">
              {group.items.length} change{group.items.length === 1 ? '' : 's'}
            </span>
          </h3>
          <ChangeList changes={group.items} />
        </div>
      ))}
    </div>
  );
}

/** Bars per calendar day of the chosen zone, the days the API grouped the changes by. */
function TimelineChart({ from, to, days }: { from: string; to: string; days: TimelineDay[] }) {
  const time = useTimeFormat();
  const byDay = new Map(days.map((day) => [day.date, day]));
  const data: ({ date: string } & Record<Severity, number>)[] = [];
  const last = Date.parse(time.day(to));
  for (let at = Date.parse(time.day(from)); at <= last; at += DAY_MS) {
    const date = new Date(at).toISOString().slice(0, 10);
    const day = byDay.get(date);
    data.push({
      date: date.slice(5),
      low: day?.by_severity.low ?? 0,
      medium: day?.by_severity.medium ?? 0,
      high: day?.by_severity.high ?? 0,
      critical: day?.by_severity.critical ?? 0,
    });
  }
  if (days.length === 0) return <p className="muted">No changes in the last 30 days.</p>;
  return (
    <div className="chart-box" role="img" aria-label={`Changes per day: ${days.map((day) => `${day.date} ${day.total}`).join(', ')}`}>
      <ResponsiveContainer width="100%" height={160}>
        <BarChart data={data}>
          <XAxis dataKey="date" tick={{ fontSize: 11 }} interval="preserveStartEnd" stroke="var(--muted)" />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} width={32} stroke="var(--muted)" />
          <Tooltip />
          {SEVERITIES.map((severity) => (
            <Bar key={severity} dataKey={severity} stackId="severity" fill={SEVERITY_COLOR[severity]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
