import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { api, type MetricName, type MetricSeries, type MetricSeriesSummary } from '../../api.ts';
import { formatNumber, hasPoints, MetricChart, type ChartLine } from '../../components/metric-chart.tsx';
import { Empty, ErrorBox, Loading } from '../../components/ui.tsx';
import { duration } from '../../format.ts';
import { rangeBounds, type MetricRange } from '../../metric-range.ts';
import { useTimeFormat, useZoneChoice } from '../../time-zone.ts';
import { RangePicker } from './metric-range-picker.tsx';

/** The metrics the tab draws; each is asked for only when the system has a series of it. */
const CHARTED: readonly MetricName[] = [
  'cpu.percent',
  'cpu.load1',
  'cpu.load5',
  'cpu.load15',
  'memory.used_gb',
  'memory.total_gb',
  'memory.percent',
  'disk.percent',
  'disk.free_gb',
  'disk.total_gb',
  'gpu.utilization_pct',
  'gpu.memory_used_mb',
  'gpu.memory_total_mb',
  'container.cpu_pct',
  'container.mem_mb',
];
const REFRESH_MS = 60_000;
const RESOLUTION_LABEL: Record<string, string> = { raw: 'raw samples', '5m': '5-minute rollups', '1h': 'hourly rollups' };

type Answer = MetricSeries & { from: Date; to: Date };

export function MetricsTab({ systemId }: { systemId: string }) {
  const [range, setRange] = useState<MetricRange>({ kind: 'preset', name: '24h' });
  const zone = useZoneChoice();
  const list = useQuery({
    queryKey: ['metric-series', systemId],
    queryFn: async () => (await api.get('systems/{id}/metrics', { path: { id: systemId } })) as { items: MetricSeriesSummary[] },
    refetchInterval: REFRESH_MS,
  });
  const present = new Set(list.data?.items.map((item) => item.name));
  const wanted = CHARTED.filter((name) => present.has(name));
  const answers = useQueries({
    queries: wanted.map((name) => ({
      queryKey: ['metrics', systemId, name, range],
      queryFn: async (): Promise<Answer> => {
        // A preset ends now, so each refresh moves the window along.
        const { from, to, step } = rangeBounds(range);
        const answer = (await api.get('systems/{id}/metrics', {
          path: { id: systemId },
          query: { name, from: from.toISOString(), to: to.toISOString(), step },
        })) as MetricSeries;
        return { ...answer, from, to };
      },
      refetchInterval: range.kind === 'preset' ? REFRESH_MS : false,
      placeholderData: keepPreviousData,
    })),
  });

  if (list.isPending) return <Loading />;
  if (list.error && !list.data) return <ErrorBox error={list.error} />;
  if (list.data.items.length === 0)
    return (
      <Empty title="This system has not sent metrics yet">
        An appliance sends its numbers with <code>POST /api/systems/metrics</code> (its system credentials, HTTP Basic); a monitoring agent reports to{' '}
        <code>/monitoring/api/report</code>. Charts appear here with the first samples.
      </Empty>
    );

  const byName = new Map<MetricName, Answer>();
  wanted.forEach((name, index) => {
    const data = answers[index]?.data;
    if (data) byName.set(name, data);
  });
  const error = answers.find((answer) => answer.error)?.error;
  const first = byName.get('cpu.percent') ?? byName.values().next().value;

  return (
    <div className="stack metrics">
      <section className="card">
        <div className="page-head">
          <h2>Metrics</h2>
          <span className="spacer" />
          {/* Keyed by the zone: the custom inputs are wall-clock times in it. */}
          <RangePicker key={zone} range={range} onChange={setRange} />
        </div>
        {first ? (
          <p className="muted" data-testid="metrics-resolution" data-resolution={first.resolution} data-step={first.step}>
            One point every {duration(first.step)}, from {RESOLUTION_LABEL[first.resolution] ?? first.resolution} ({first.resolution}).
          </p>
        ) : null}
        <ErrorBox error={error} />
        {answers.some((answer) => answer.isPending) ? <Loading /> : null}
      </section>
      {first ? <Charts byName={byName} series={list.data.items} from={first.from} to={first.to} /> : null}
    </div>
  );
}

/** The points of one labelled series of an answer (all of them when the metric has no label). */
function pointsOf(answer: Answer | undefined, label?: [string, string]): readonly (readonly number[])[] {
  const series = answer?.series.find((item) => !label || item.labels[label[0]] === label[1]);
  return series?.points ?? [];
}
/** The label values a metric's answer holds, in the order a person expects (`/` before `/data`, GPU 2 before 10). */
function labelValues(answer: Answer | undefined, key: string): string[] {
  const values = new Set(answer?.series.map((item) => item.labels[key]).filter((value) => value !== undefined));
  return [...values].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}
const latest = (points: readonly (readonly number[])[]) => points.at(-1)?.[1];

function Charts({ byName, series, from, to }: { byName: Map<MetricName, Answer>; series: MetricSeriesSummary[]; from: Date; to: Date }) {
  const line = (name: MetricName, label: string, unit: string, axis: 'left' | 'right' = 'left', labelFilter?: [string, string]): ChartLine => ({
    key: `${name}${labelFilter ? `{${labelFilter[1]}}` : ''}`,
    label,
    unit,
    axis,
    points: pointsOf(byName.get(name), labelFilter),
  });
  const chart = (props: { title: string; lines: ChartLine[]; percent?: boolean; note?: string; testId: string }) =>
    hasPoints(props.lines) ? <MetricChart key={props.testId} from={from} to={to} {...props} /> : null;

  const cpu = [
    chart({ title: 'CPU', lines: [line('cpu.percent', 'CPU', '%')], percent: true, testId: 'chart-cpu' }),
    chart({
      title: 'Load average',
      lines: [line('cpu.load1', '1 min', ''), line('cpu.load5', '5 min', ''), line('cpu.load15', '15 min', '')],
      testId: 'chart-load',
    }),
  ];
  const memory = [
    chart({
      title: 'Memory used',
      lines: [line('memory.used_gb', 'Used', 'GB'), line('memory.total_gb', 'Total', 'GB')],
      testId: 'chart-memory',
    }),
    chart({ title: 'Memory %', lines: [line('memory.percent', 'Memory', '%')], percent: true, testId: 'chart-memory-percent' }),
  ];
  const disks = labelValues(byName.get('disk.percent'), 'mountpoint').map((mountpoint) => {
    const free = latest(pointsOf(byName.get('disk.free_gb'), ['mountpoint', mountpoint]));
    const total = latest(pointsOf(byName.get('disk.total_gb'), ['mountpoint', mountpoint]));
    return chart({
      title: `Disk ${mountpoint}`,
      lines: [line('disk.percent', 'Used', '%', 'left', ['mountpoint', mountpoint])],
      percent: true,
      note: free !== undefined && total !== undefined ? `${formatNumber(free)} GB free of ${formatNumber(total)} GB` : undefined,
      testId: `chart-disk-${mountpoint}`,
    });
  });
  const gpus = labelValues(byName.get('gpu.utilization_pct') ?? byName.get('gpu.memory_used_mb'), 'index').map((index) =>
    chart({
      title: `GPU ${index}`,
      lines: [
        line('gpu.utilization_pct', 'Utilization', '%', 'left', ['index', index]),
        line('gpu.memory_used_mb', 'Memory used', 'MB', 'right', ['index', index]),
        line('gpu.memory_total_mb', 'Memory total', 'MB', 'right', ['index', index]),
      ],
      percent: true,
      note: 'Utilization on the left axis, memory on the right.',
      testId: `chart-gpu-${index}`,
    }),
  );
  const containers = containerNames(series).map(({ name, reporting }) =>
    chart({
      title: `Container ${name}${reporting ? '' : ' (not reporting)'}`,
      lines: [line('container.cpu_pct', 'CPU', '%', 'left', ['name', name]), line('container.mem_mb', 'Memory', 'MB', 'right', ['name', name])],
      note: 'CPU on the left axis, memory on the right.',
      testId: `chart-container-${name}`,
    }),
  );

  const groups: [string, ReactNode[], ReactNode?][] = [
    ['CPU', cpu],
    ['Memory', memory],
    ['Disks', disks],
    ['GPUs', gpus],
    ['Containers', containers, <ContainerTable key="table" series={series} byName={byName} />],
  ];
  const shown = groups.filter(([, charts]) => charts.some(Boolean));
  if (shown.length === 0) return <Empty title="No samples in this range">Choose a longer range: this system's latest samples are older.</Empty>;
  return (
    <>
      {shown.map(([title, charts, extra]) => (
        <section key={title} className="card" aria-label={title}>
          <h2>{title}</h2>
          {extra}
          <div className="chart-grid">{charts}</div>
        </section>
      ))}
    </>
  );
}

/**
 * The containers the system's series name. One whose series stopped before the system's latest
 * CPU sample is "not reporting": a stopped container simply drops out of the reports.
 */
function containerNames(series: MetricSeriesSummary[]): { name: string; reporting: boolean; lastAt: string }[] {
  const reference =
    series.find((item) => item.name === 'cpu.percent')?.last_at ??
    series
      .map((item) => item.last_at)
      .sort()
      .at(-1) ??
    '';
  const lastAt = new Map<string, string>();
  for (const item of series) {
    const name = item.labels.name;
    if (!item.name.startsWith('container.') || name === undefined) continue;
    if ((lastAt.get(name) ?? '') < item.last_at) lastAt.set(name, item.last_at);
  }
  return [...lastAt].sort(([a], [b]) => a.localeCompare(b)).map(([name, at]) => ({ name, lastAt: at, reporting: Date.parse(at) >= Date.parse(reference) }));
}

function ContainerTable({ series, byName }: { series: MetricSeriesSummary[]; byName: Map<MetricName, Answer> }) {
  const containers = containerNames(series);
  const time = useTimeFormat();
  return (
    <table className="table" data-testid="containers">
      <thead>
        <tr>
          <th scope="col">Container</th>
          <th scope="col">State</th>
          <th scope="col">CPU (latest)</th>
          <th scope="col">Memory (latest)</th>
        </tr>
      </thead>
      <tbody>
        {containers.map(({ name, reporting, lastAt }) => {
          const cpu = latest(pointsOf(byName.get('container.cpu_pct'), ['name', name]));
          const memory = latest(pointsOf(byName.get('container.mem_mb'), ['name', name]));
          return (
            <tr key={name} data-container={name}>
              <td>{name}</td>
              <td>{reporting ? 'reporting' : <span title={`Last sample ${time.dateTime(lastAt)}`}>not reporting</span>}</td>
              <td>{cpu === undefined ? '—' : `${formatNumber(cpu)} %`}</td>
              <td>{memory === undefined ? '—' : `${formatNumber(memory)} MB`}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
