import { arrayLiteral, timesLiteral } from '../../db/array-literal.ts';
import type { Db, Sql } from '../../db/db.ts';
import { partitionOf, parsePartitionName, type MetricTable, type Partition } from './metric-partitions.ts';
import type { SeriesKey } from './metric-samples.ts';

export const RESOLUTIONS = ['5m', '1h'] as const;
export type Rollup = (typeof RESOLUTIONS)[number];

export const BUCKET_SECONDS: Record<Rollup, number> = { '5m': 300, '1h': 3600 };
const ROLLUP_TABLE: Record<Rollup, MetricTable> = { '5m': 'metric_rollups_5m', '1h': 'metric_rollups_1h' };

export interface NewLayout {
  systemId: string;
  hash: string;
  series: readonly SeriesKey[];
  at: Date;
}

export interface SampleRow {
  systemId: string;
  at: Date;
  layoutId: string;
  values: readonly number[];
}

/** Which value of a layout a query wants: the series at `index`, numbered `series` in the answer. */
export interface SeriesPick {
  layoutId: string;
  index: number;
  series: number;
}

/** One sample, or one rollup bucket, of one picked series. */
export interface StoredPoint {
  atMs: number;
  series: number;
  samples: number;
  min: number;
  avg: number;
  max: number;
  last: number;
}

export interface LatestValue {
  systemId: string;
  systemName: string;
  organizationId: string;
  at: Date;
  labels: Record<string, string>;
  value: number;
}

/** One bucket expression for both rollups: buckets start at multiples of their length since the epoch. */
const binned = (seconds: number, column: string) => `date_bin('${seconds} seconds', ${column}, TIMESTAMPTZ 'epoch')`;

/** SQL of the metrics store (ADR 0020). */
export function createMetricsStore(db: Db) {
  return {
    /** Creates a partition unless it exists (another node may be creating it too). */
    async ensurePartition(partition: Partition): Promise<void> {
      try {
        await db.query(
          `CREATE TABLE IF NOT EXISTS ${partition.name} PARTITION OF ${partition.table} FOR VALUES FROM ('${partition.from.toISOString()}') TO ('${partition.to.toISOString()}')`,
        );
      } catch (error) {
        // Created by another node between its check and ours.
        const code = (error as { code?: string }).code;
        if (code !== '42P07' && code !== '23505') throw error;
      }
    },

    async partitions(table: MetricTable): Promise<Partition[]> {
      const { rows } = await db.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass`,
        [table],
      );
      return rows.flatMap((row) => parsePartitionName(table, row.name) ?? []).sort((a, b) => a.from.getTime() - b.from.getTime());
    },

    async dropPartition(partition: Partition): Promise<void> {
      await db.query(`DROP TABLE IF EXISTS ${partition.name}`);
    },

    /** The layouts' ids, created where missing; `first_at`/`last_at` start at the sample's time. */
    async layouts(layouts: readonly NewLayout[]): Promise<Map<string, string>> {
      const { rows } = await db.query<{ system_id: string; hash: string; id: string }>(
        `WITH wanted AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::timestamptz[]) AS w(system_id, hash, series, at)),
         inserted AS (
           INSERT INTO metric_layouts (system_id, hash, series, first_at, last_at)
           SELECT system_id, hash, series, at, at FROM wanted
           ON CONFLICT (system_id, hash) DO NOTHING
           RETURNING system_id, hash, id::text
         )
         SELECT system_id, hash, id FROM inserted
         UNION ALL
         SELECT l.system_id, l.hash, l.id::text FROM metric_layouts l JOIN wanted w ON w.system_id = l.system_id AND w.hash = l.hash`,
        [layouts.map((l) => l.systemId), layouts.map((l) => l.hash), layouts.map((l) => JSON.stringify(l.series)), layouts.map((l) => l.at)],
      );
      return new Map(rows.map((row) => [`${row.system_id}/${row.hash}`, row.id]));
    },

    /**
     * One statement: the samples, each system's latest, and the 5-minute buckets that samples
     * older than `lateBefore` reopen (rolled up again by the next run).
     */
    async insertSamples(rows: readonly SampleRow[], lateBefore: Date): Promise<void> {
      // Every row's values in one flat float8[] (parsed once, at bind), each row its slice [first, last].
      let flat = '{';
      const firsts: number[] = [];
      const lasts: number[] = [];
      let count = 0;
      for (const row of rows) {
        if (row.values.length > 0) flat += (count === 0 ? '' : ',') + row.values.join(',');
        firsts.push(count + 1);
        count += row.values.length;
        lasts.push(count);
      }
      flat += '}';
      await db.query(
        `WITH batch AS (
           SELECT b.system_id, b.at, b.layout_id, v.flat[b.first:b.last] AS vals
           FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::int[], $5::int[]) AS b(system_id, at, layout_id, first, last),
             (SELECT $6::float8[] AS flat) v
         ),
         samples AS (
           INSERT INTO metric_samples (system_id, at, layout_id, "values") SELECT system_id, at, layout_id, vals FROM batch
           ON CONFLICT (system_id, at) DO NOTHING
         ),
         latest AS (
           INSERT INTO metric_latest (system_id, at, layout_id, "values")
           SELECT DISTINCT ON (system_id) system_id, at, layout_id, vals FROM batch ORDER BY system_id, at DESC
           ON CONFLICT (system_id) DO UPDATE SET at = excluded.at, layout_id = excluded.layout_id, "values" = excluded."values"
             WHERE excluded.at >= metric_latest.at
         )
         INSERT INTO metric_rollup_stale (resolution, system_id, bucket)
         SELECT DISTINCT '5m', system_id, ${binned(300, 'at')} FROM batch WHERE at < $7
         ON CONFLICT DO NOTHING`,
        [
          arrayLiteral(rows, (r) => r.systemId),
          timesLiteral(rows, (r) => r.at),
          arrayLiteral(rows, (r) => r.layoutId),
          `{${firsts.join(',')}}`,
          `{${lasts.join(',')}}`,
          flat,
          lateBefore,
        ],
        { prepareAs: 'metrics-insert-samples' },
      );
    },

    /** Where a rollup has got to (null before its first run). */
    async progress(tx: Sql, resolution: Rollup): Promise<Date | null> {
      const { rows } = await tx.query<{ done_until: Date }>('SELECT done_until FROM metric_rollup_progress WHERE resolution = $1 FOR UPDATE', [resolution]);
      return rows[0]?.done_until ?? null;
    },

    async peekProgress(): Promise<Partial<Record<Rollup, Date>>> {
      const { rows } = await db.query<{ resolution: Rollup; done_until: Date }>('SELECT resolution, done_until FROM metric_rollup_progress');
      return Object.fromEntries(rows.map((row) => [row.resolution, row.done_until]));
    },

    async setProgress(tx: Sql, resolution: Rollup, doneUntil: Date): Promise<void> {
      await tx.query(
        `INSERT INTO metric_rollup_progress (resolution, done_until) VALUES ($1, $2)
         ON CONFLICT (resolution) DO UPDATE SET done_until = excluded.done_until`,
        [resolution, doneUntil],
      );
    },

    /**
     * Rolls up [from, to) into `resolution`'s buckets, replacing what those buckets held (so a
     * run repeated after a crash writes the same rows), for every system or only `systemIds`.
     */
    async rollUp(tx: Sql, resolution: Rollup, from: Date, to: Date, systemIds?: readonly string[]): Promise<number> {
      const table = ROLLUP_TABLE[resolution];
      const only = systemIds ? 'AND system_id = ANY($3::uuid[])' : '';
      const params: unknown[] = systemIds ? [from, to, systemIds] : [from, to];
      await tx.query(`DELETE FROM ${table} WHERE bucket >= $1 AND bucket < $2 ${only}`, params);
      const source =
        resolution === '5m'
          ? `SELECT s.system_id, ${binned(300, 's.at')} AS bucket, s.layout_id, s.at AS moment, 1 AS weight, v.ord, v.value AS mn, v.value AS av, v.value AS mx, v.value AS lst
             FROM metric_samples s, unnest(s."values") WITH ORDINALITY AS v(value, ord)
             WHERE s.at >= $1 AND s.at < $2 ${only.replace('system_id', 's.system_id')}`
          : `SELECT r.system_id, ${binned(3600, 'r.bucket')} AS bucket, r.layout_id, r.bucket AS moment, r.samples AS weight, v.ord, v.mn, v.av, v.mx, v.lst
             FROM metric_rollups_5m r, unnest(r.min, r.avg, r.max, r.last) WITH ORDINALITY AS v(mn, av, mx, lst, ord)
             WHERE r.bucket >= $1 AND r.bucket < $2 ${only.replace('system_id', 'r.system_id')}`;
      const { rowCount } = await tx.query(
        `WITH points AS (${source}),
         per_series AS (
           SELECT system_id, bucket, layout_id, ord, sum(weight) AS samples, min(mn) AS mn, sum(av * weight) / sum(weight) AS av, max(mx) AS mx,
                  (array_agg(lst ORDER BY moment DESC))[1] AS lst
           FROM points GROUP BY system_id, bucket, layout_id, ord
         )
         INSERT INTO ${table} (system_id, bucket, layout_id, samples, min, avg, max, last)
         SELECT system_id, bucket, layout_id, max(samples)::int, array_agg(mn ORDER BY ord), array_agg(av ORDER BY ord), array_agg(mx ORDER BY ord), array_agg(lst ORDER BY ord)
         FROM per_series GROUP BY system_id, bucket, layout_id`,
        params,
      );
      if (resolution === '5m') {
        await tx.query(
          `UPDATE metric_layouts l SET last_at = greatest(l.last_at, m.last_at)
           FROM (SELECT layout_id, max(at) AS last_at FROM metric_samples WHERE at >= $1 AND at < $2 ${only} GROUP BY layout_id) m
           WHERE l.id = m.layout_id AND m.last_at > l.last_at`,
          params,
        );
      }
      return rowCount;
    },

    /** Takes the buckets of `resolution` reopened before `before` (their systems and bucket starts). */
    async takeStale(tx: Sql, resolution: Rollup, before: Date, limit: number): Promise<{ systemId: string; bucket: Date }[]> {
      const { rows } = await tx.query<{ system_id: string; bucket: Date }>(
        `DELETE FROM metric_rollup_stale WHERE (resolution, system_id, bucket) IN (
           SELECT resolution, system_id, bucket FROM metric_rollup_stale WHERE resolution = $1 AND bucket < $2 ORDER BY bucket LIMIT $3
         ) RETURNING system_id, bucket`,
        [resolution, before, limit],
      );
      return rows.map((row) => ({ systemId: row.system_id, bucket: row.bucket }));
    },

    async markStale(tx: Sql, resolution: Rollup, buckets: readonly { systemId: string; bucket: Date }[]): Promise<void> {
      if (buckets.length === 0) return;
      await tx.query(
        `INSERT INTO metric_rollup_stale (resolution, system_id, bucket)
         SELECT $1, system_id, ${binned(BUCKET_SECONDS[resolution], 'bucket')} FROM unnest($2::uuid[], $3::timestamptz[]) AS s(system_id, bucket)
         ON CONFLICT DO NOTHING`,
        [resolution, buckets.map((b) => b.systemId), buckets.map((b) => b.bucket)],
      );
    },

    /**
     * A system's raw samples or rollup buckets in [from, to), oldest first: only the values
     * `picks` name (a layout and the position of a series in it), each tagged with its pick's `series`.
     */
    async points(systemId: string, resolution: 'raw' | Rollup, from: Date, to: Date, picks: readonly SeriesPick[]): Promise<StoredPoint[]> {
      if (picks.length === 0) return [];
      const pickParams = [picks.map((p) => p.layoutId), picks.map((p) => p.index + 1), picks.map((p) => p.series)];
      if (resolution === 'raw') {
        const { rows } = await db.query<{ t: number; series: number; value: number }>(
          `SELECT (extract(epoch FROM s.at) * 1000)::float8 AS t, p.series, s."values"[p.position] AS value
           FROM metric_samples s JOIN unnest($4::bigint[], $5::int[], $6::int[]) AS p(layout_id, position, series) ON p.layout_id = s.layout_id
           WHERE s.system_id = $1 AND s.at >= $2 AND s.at < $3 ORDER BY s.at`,
          [systemId, from, to, ...pickParams],
        );
        return rows.map((row) => ({ atMs: row.t, series: row.series, samples: 1, min: row.value, avg: row.value, max: row.value, last: row.value }));
      }
      const { rows } = await db.query<{ t: number; series: number; samples: number; min: number; avg: number; max: number; last: number }>(
        `SELECT (extract(epoch FROM r.bucket) * 1000)::float8 AS t, p.series, r.samples,
                r.min[p.position] AS min, r.avg[p.position] AS avg, r.max[p.position] AS max, r.last[p.position] AS last
         FROM ${ROLLUP_TABLE[resolution]} r JOIN unnest($4::bigint[], $5::int[], $6::int[]) AS p(layout_id, position, series) ON p.layout_id = r.layout_id
         WHERE r.system_id = $1 AND r.bucket >= $2 AND r.bucket < $3 ORDER BY r.bucket`,
        [systemId, from, to, ...pickParams],
      );
      return rows.map((row) => ({ atMs: row.t, series: row.series, samples: row.samples, min: row.min, avg: row.avg, max: row.max, last: row.last }));
    },

    /** A system's layouts: the series each holds, in the order of its values. */
    async layoutsOf(systemId: string): Promise<{ id: string; series: SeriesKey[] }[]> {
      const { rows } = await db.query<{ id: string; series: SeriesKey[] }>('SELECT id::text, series FROM metric_layouts WHERE system_id = $1', [systemId]);
      return rows;
    },

    /** A system's series: each with the first and last time a layout holding it had samples. */
    async systemLayouts(systemId: string): Promise<{ series: SeriesKey[]; firstAt: Date; lastAt: Date }[]> {
      const { rows } = await db.query<{ series: SeriesKey[]; first_at: Date; last_at: Date }>(
        `SELECT l.series, l.first_at, CASE WHEN m.layout_id = l.id THEN greatest(l.last_at, m.at) ELSE l.last_at END AS last_at
         FROM metric_layouts l LEFT JOIN metric_latest m ON m.system_id = l.system_id
         WHERE l.system_id = $1`,
        [systemId],
      );
      return rows.map((row) => ({ series: row.series, firstAt: row.first_at, lastAt: row.last_at }));
    },

    /**
     * The latest value of a metric per live system (its highest over the system's series of it,
     * e.g. its fullest disk), highest first, in the organizations given (all when undefined).
     */
    async top(
      name: string,
      options: { organizationIds: readonly string[] | undefined; since: Date; limit: number; order: 'desc' | 'asc' },
    ): Promise<LatestValue[]> {
      const direction = options.order === 'desc' ? 'DESC' : 'ASC';
      const { rows } = await db.query<{ system_id: string; name: string; organization_id: string; at: Date; labels: Record<string, string>; value: number }>(
        `SELECT * FROM (
           SELECT DISTINCT ON (s.id) s.id AS system_id, s.name, s.organization_id, m.at, e.series -> 'labels' AS labels, m."values"[e.ord::int] AS value
           FROM metric_latest m
           JOIN systems s ON s.id = m.system_id AND s.deleted_at IS NULL
           JOIN metric_layouts l ON l.id = m.layout_id
           CROSS JOIN LATERAL jsonb_array_elements(l.series) WITH ORDINALITY AS e(series, ord)
           WHERE e.series ->> 'name' = $1 AND m.at >= $2 AND ($3::uuid[] IS NULL OR s.organization_id = ANY($3::uuid[]))
           ORDER BY s.id, m."values"[e.ord::int] ${direction}
         ) per_system ORDER BY value ${direction}, name LIMIT $4`,
        [name, options.since, options.organizationIds ?? null, options.limit],
      );
      return rows.map((row) => ({
        systemId: row.system_id,
        systemName: row.name,
        organizationId: row.organization_id,
        at: row.at,
        labels: row.labels,
        value: row.value,
      }));
    },

    /** The latest value of each series of these metrics, of live systems that are not suspended, sampled since `since`. */
    async latest(
      names: readonly string[],
      since: Date,
    ): Promise<{ systemId: string; at: Date; name: string; labels: Record<string, string>; value: number }[]> {
      const { rows } = await db.query<{ system_id: string; at: Date; name: string; labels: Record<string, string>; value: number }>(
        `SELECT m.system_id, m.at, e.series ->> 'name' AS name, e.series -> 'labels' AS labels, m."values"[e.ord::int] AS value
         FROM metric_latest m
         JOIN systems s ON s.id = m.system_id AND s.deleted_at IS NULL AND s.suspended_at IS NULL
         JOIN metric_layouts l ON l.id = m.layout_id
         CROSS JOIN LATERAL jsonb_array_elements(l.series) WITH ORDINALITY AS e(series, ord)
         WHERE m.at >= $2 AND e.series ->> 'name' = ANY($1::text[])`,
        [names, since],
      );
      return rows.map((row) => ({ systemId: row.system_id, at: row.at, name: row.name, labels: row.labels, value: row.value }));
    },

    /** Everything stored of a system's samples (it is being destroyed; layouts and latest go by cascade). */
    async forgetSystem(tx: Sql, systemId: string): Promise<void> {
      for (const table of ['metric_samples', 'metric_rollups_5m', 'metric_rollups_1h', 'metric_rollup_stale'])
        await tx.query(`DELETE FROM ${table} WHERE system_id = $1`, [systemId]);
    },

    partitionOf,
  };
}

export type MetricsStore = ReturnType<typeof createMetricsStore>;
