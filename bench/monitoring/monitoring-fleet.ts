/** The monitoring bench's fleet: the agents' reports as wrk sends them, and a history of 1,000 systems written straight to the database. */
import type { WrkOptions } from '../wrk.ts';
export { largeReport, SEED_REPORT } from '../../test/fixtures/monitoring-reports.ts';
import { partitionOf } from '../../src/features/metrics/metric-partitions.ts';

/** Each server in turn reports `report` under its own alias (`${prefix}-${i}`), with the API key. */
export function reportRequests(report: Record<string, unknown>, prefix: string, servers: number, key: string): WrkOptions['requests'] {
  const template = JSON.stringify({ ...report, server_alias: '@ALIAS@' })
    .replaceAll('%', '%%')
    .replace('@ALIAS@', '%s');
  if (template.includes(']]')) throw new Error('the report template cannot go in a Lua long string');
  return {
    lua: `
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer ${key}" }
local template = [[${template}]]
for i = 0, ${servers - 1} do
  all[#all + 1] = wrk.format("POST", "/monitoring/api/report", headers, string.format(template, "${prefix}-" .. i))
end`,
  };
}

export interface Runner {
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
  exec(text: string): Promise<void>;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * A day of 1-minute samples and 30 days of hourly rollups for `systems` of the servers the seed
 * phase created (each with the layout its reports made), and the rollups' progress at `now`, as
 * a month of reports and rollups would have left them.
 */
export async function writeHistory(runner: Runner, systems: number, now: Date): Promise<{ systemIds: string[]; raw: number; hourly: number }> {
  const chosen = await runner.query<{ id: string; layout_id: string }>(
    `SELECT s.id, m.layout_id::text FROM systems s JOIN metric_latest m ON m.system_id = s.id
     WHERE s.source = 'monitoring' AND s.external_id LIKE 'seed-%' ORDER BY s.external_id LIMIT $1`,
    [systems],
  );
  const from = new Date(now.getTime() - DAY_MS);
  for (const at of [from, now]) {
    const partition = partitionOf('metric_samples', at);
    await runner.exec(
      `CREATE TABLE IF NOT EXISTS ${partition.name} PARTITION OF metric_samples FOR VALUES FROM ('${partition.from.toISOString()}') TO ('${partition.to.toISOString()}')`,
    );
  }
  const hourEnd = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  const hourStart = new Date(hourEnd.getTime() - 30 * DAY_MS);
  for (const at of [hourStart, hourEnd]) {
    const partition = partitionOf('metric_rollups_1h', at);
    await runner.exec(
      `CREATE TABLE IF NOT EXISTS ${partition.name} PARTITION OF metric_rollups_1h FOR VALUES FROM ('${partition.from.toISOString()}') TO ('${partition.to.toISOString()}')`,
    );
  }
  const ids = chosen.map((row) => row.id);
  const layouts = chosen.map((row) => row.layout_id);
  // The seed report's 16 values, CPU varying by the minute.
  await runner.query(
    `INSERT INTO metric_samples (system_id, at, layout_id, "values")
     SELECT c.id, t, c.layout_id, ARRAY[1.2, 0.9, 1.1, 20 + (extract(minute FROM t))::float8, 2592000, 24576, 9000, 72, 64, 31.2, 20, 2048, 14.2, 50, 100, 200]::float8[]
     FROM unnest($1::uuid[], $2::bigint[]) AS c(id, layout_id), generate_series($3::timestamptz, $4::timestamptz, interval '1 minute') AS t
     -- A moment the seed phase's reports hold already (one sample per system and moment).
     ON CONFLICT (system_id, at) DO NOTHING`,
    [ids, layouts, from, new Date(now.getTime() - 60_000)],
  );
  await runner.query(
    `INSERT INTO metric_rollups_1h (system_id, bucket, layout_id, samples, min, avg, max, last)
     SELECT c.id, t, c.layout_id, 60, v, v, v, v
     FROM unnest($1::uuid[], $2::bigint[]) AS c(id, layout_id), generate_series($3::timestamptz, $4::timestamptz, interval '1 hour') AS t,
          LATERAL (SELECT ARRAY[1.2, 0.9, 1.1, 20 + (extract(hour FROM t))::float8, 2592000, 24576, 9000, 72, 64, 31.2, 20, 2048, 14.2, 50, 100, 200]::float8[] AS v) AS values_of
     `,
    [ids, layouts, hourStart, new Date(hourEnd.getTime() - HOUR_MS)],
  );
  await runner.query(
    `INSERT INTO metric_rollup_progress (resolution, done_until) VALUES ('1h', $1), ('5m', $2)
     ON CONFLICT (resolution) DO UPDATE SET done_until = excluded.done_until`,
    [hourEnd, new Date(Math.floor(now.getTime() / 300_000) * 300_000)],
  );
  await runner.exec('ANALYZE metric_samples; ANALYZE metric_rollups_1h; ANALYZE metric_layouts');
  return { systemIds: ids, raw: ids.length * 1440, hourly: ids.length * 720 };
}

export interface StorageFacts {
  /** Per number of values in a row (16: the seed's report; more: the large one): rows and average row bytes. */
  rowsByWidth: { values: number; rows: number; rowBytes: number }[];
  /** Index bytes per raw row (all partitions). */
  indexBytesPerRow: number;
  /** Average hourly rollup row bytes (the seed's layout). */
  hourlyRowBytes: number;
  /** Average latest-report bytes (peer_reports.report), per server. */
  latestReportBytes: { seed: number; large: number };
}

export async function storageFacts(runner: Runner): Promise<StorageFacts> {
  const widths = await runner.query<{ values: number; rows: number; row_bytes: number }>(
    `SELECT array_length("values", 1) AS values, count(*)::int AS rows, avg(pg_column_size(s.*))::float8 AS row_bytes FROM metric_samples s GROUP BY 1 ORDER BY 1`,
  );
  const index = await runner.query<{ bytes: number; rows: number }>(
    `SELECT (SELECT coalesce(sum(pg_relation_size(i.indexrelid)), 0) FROM pg_inherits p JOIN pg_index i ON i.indrelid = p.inhrelid WHERE p.inhparent = 'metric_samples'::regclass)::float8 AS bytes,
            (SELECT count(*) FROM metric_samples)::float8 AS rows`,
  );
  const hourly = await runner.query<{ bytes: number }>('SELECT avg(pg_column_size(r.*))::float8 AS bytes FROM metric_rollups_1h r');
  const latest = await runner.query<{ kind: string; bytes: number }>(
    `SELECT CASE WHEN s.external_id LIKE 'seed-%' THEN 'seed' ELSE 'large' END AS kind, avg(pg_column_size(r.report))::float8 AS bytes
     FROM peer_reports r JOIN systems s ON s.id = r.system_id GROUP BY 1`,
  );
  return {
    rowsByWidth: widths.map((row) => ({ values: row.values, rows: row.rows, rowBytes: row.row_bytes })),
    indexBytesPerRow: index[0]!.rows ? index[0]!.bytes / index[0]!.rows : NaN,
    hourlyRowBytes: hourly[0]?.bytes ?? NaN,
    latestReportBytes: { seed: latest.find((row) => row.kind === 'seed')?.bytes ?? NaN, large: latest.find((row) => row.kind === 'large')?.bytes ?? NaN },
  };
}
