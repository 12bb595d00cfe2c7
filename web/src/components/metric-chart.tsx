import { useId } from 'react';
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatTick } from '../time.ts';
import { useTimeFormat } from '../time-zone.ts';

/** One line of a chart: `[unix seconds, value]` points, drawn against the left or the right axis. */
export interface ChartLine {
  key: string;
  label: string;
  unit: string;
  points: readonly (readonly number[])[];
  axis?: 'left' | 'right';
}

/** Series colours by position: CSS variables, so each theme keeps them at 3:1 against its surface. */
const COLORS = ['var(--series-1)', 'var(--series-2)', 'var(--series-3)', 'var(--series-4)'];
const DAY_S = 86_400;
const TICKS = 6;

export function formatNumber(value: number): string {
  return value.toLocaleString(undefined, { maximumFractionDigits: Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2 });
}
const withUnit = (value: number, unit: string) => `${formatNumber(value)}${unit === '%' ? ' %' : unit ? ` ${unit}` : ''}`;

/** What a screen reader hears instead of the drawing: each line's latest, lowest, highest and mean value. */
function describeLine(line: ChartLine): string {
  const values = line.points.map((point) => point[1]!);
  if (values.length === 0) return `${line.label}: no samples in this range`;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return `${line.label}: latest ${withUnit(values.at(-1)!, line.unit)}, lowest ${withUnit(Math.min(...values), line.unit)}, highest ${withUnit(
    Math.max(...values),
    line.unit,
  )}, mean ${withUnit(mean, line.unit)} (${values.length} point${values.length === 1 ? '' : 's'})`;
}

export const hasPoints = (lines: readonly ChartLine[]) => lines.some((line) => line.points.length > 0);

/**
 * A time chart with its text alternative: the drawing is hidden from assistive technology (and
 * holds nothing focusable), a caption sums each line up, and a collapsed table lists the points.
 */
export function MetricChart({
  title,
  lines,
  from,
  to,
  percent = false,
  note,
  testId,
}: {
  title: string;
  lines: readonly ChartLine[];
  from: Date;
  to: Date;
  /** A 0–100 left axis. */
  percent?: boolean;
  note?: string;
  testId?: string;
}) {
  const titleId = useId();
  const rows = new Map<number, Record<string, number>>();
  for (const line of lines) {
    for (const [at, value] of line.points) {
      if (at === undefined || value === undefined) continue;
      const row = rows.get(at) ?? { t: at };
      row[line.key] = value;
      rows.set(at, row);
    }
  }
  const data = [...rows.values()].sort((a, b) => a.t! - b.t!);
  const spanS = (to.getTime() - from.getTime()) / 1000;
  const time = useTimeFormat();
  const tick = (seconds: number) => formatTick(seconds * 1000, time.timeZone, spanS > DAY_S);
  const right = lines.find((line) => line.axis === 'right');
  // Evenly spaced ticks over the whole range: a time scale would otherwise tick only where points are.
  const domain: [number, number] = [from.getTime() / 1000, to.getTime() / 1000];
  const ticks = Array.from({ length: TICKS }, (_, index) => Math.round(domain[0] + ((domain[1] - domain[0]) * index) / (TICKS - 1)));
  const byKey = new Map(lines.map((line) => [line.key, line]));

  return (
    <figure className="metric-chart" data-testid={testId} aria-labelledby={titleId}>
      <figcaption>
        <h3 id={titleId}>{title}</h3>
        {note ? <p className="muted">{note}</p> : null}
        <ul className="chart-summary">
          {lines.map((line, index) => (
            <li key={line.key}>
              <span className="swatch" style={{ background: COLORS[index % COLORS.length] }} aria-hidden="true" />
              {describeLine(line)}
            </li>
          ))}
        </ul>
      </figcaption>
      <div className="chart-box" aria-hidden="true">
        <ResponsiveContainer width="100%" height={180}>
          <LineChart data={data} accessibilityLayer={false} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={domain}
              ticks={ticks}
              allowDataOverflow
              padding={{ right: 6 }}
              tickFormatter={tick}
              tick={{ fontSize: 11, fill: 'var(--muted)' }}
              stroke="var(--muted)"
            />
            <YAxis
              yAxisId="left"
              domain={percent ? [0, 100] : [0, 'auto']}
              tickFormatter={formatNumber}
              tick={{ fontSize: 11, fill: 'var(--muted)' }}
              stroke="var(--muted)"
              width={44}
            />
            {right ? (
              <YAxis
                yAxisId="right"
                orientation="right"
                domain={[0, 'auto']}
                tickFormatter={formatNumber}
                tick={{ fontSize: 11, fill: 'var(--muted)' }}
                stroke="var(--muted)"
                width={52}
              />
            ) : null}
            <Tooltip
              labelFormatter={(at) => time.dateTime(Number(at) * 1000)}
              formatter={(value, key) => {
                const line = byKey.get(String(key));
                return [withUnit(Number(value), line?.unit ?? ''), line?.label ?? String(key)];
              }}
              contentStyle={{ background: 'var(--surface)', borderColor: 'var(--border)', color: 'var(--text)' }}
            />
            {lines.map((line, index) => (
              <Line
                key={line.key}
                dataKey={line.key}
                name={line.label}
                yAxisId={line.axis === 'right' ? 'right' : 'left'}
                stroke={COLORS[index % COLORS.length]}
                strokeWidth={2}
                strokeDasharray={index === 0 ? undefined : ['', '6 3', '2 2', '8 2 2 2'][index % 4]}
                // A handful of points would draw no visible line: mark each one.
                dot={line.points.length < 30 ? { r: 2.5 } : false}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
      <details className="chart-table">
        <summary>Data table</summary>
        <table className="table compact">
          <caption className="sr-only">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Time ({time.zone})</th>
              {lines.map((line) => (
                <th key={line.key} scope="col">
                  {line.label} ({line.unit})
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.map((row) => (
              <tr key={row.t}>
                <td>{time.dateTime(row.t! * 1000)}</td>
                {lines.map((line) => (
                  <td key={line.key}>{row[line.key] === undefined ? '—' : formatNumber(row[line.key]!)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
