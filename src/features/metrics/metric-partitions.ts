/**
 * The metrics tables' time partitions (ADR 0020): raw samples by UTC day, 5-minute rollups by
 * UTC month, 1-hour rollups by UTC year. A partition is named after its start, so retention
 * knows its range from its name alone.
 */
export type MetricTable = 'metric_samples' | 'metric_rollups_5m' | 'metric_rollups_1h';

export interface Partition {
  table: MetricTable;
  name: string;
  from: Date;
  to: Date;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** The partition of `table` holding time `at`. */
export function partitionOf(table: MetricTable, at: Date): Partition {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  if (table === 'metric_samples') {
    const from = new Date(Date.UTC(year, month, at.getUTCDate()));
    return { table, name: `${table}_p${year}${pad(month + 1)}${pad(at.getUTCDate())}`, from, to: new Date(from.getTime() + 86_400_000) };
  }
  if (table === 'metric_rollups_5m') {
    return { table, name: `${table}_p${year}${pad(month + 1)}`, from: new Date(Date.UTC(year, month, 1)), to: new Date(Date.UTC(year, month + 1, 1)) };
  }
  return { table, name: `${table}_p${year}`, from: new Date(Date.UTC(year, 0, 1)), to: new Date(Date.UTC(year + 1, 0, 1)) };
}

/** The partition a name denotes, or undefined for a table that is not one of ours. */
export function parsePartitionName(table: MetricTable, name: string): Partition | undefined {
  const match = /^(\d{4})(\d{2})?(\d{2})?$/.exec(name.startsWith(`${table}_p`) ? name.slice(table.length + 2) : '');
  if (!match) return undefined;
  const [, year, month, day] = match;
  const at = new Date(Date.UTC(Number(year), month ? Number(month) - 1 : 0, day ? Number(day) : 1));
  const partition = partitionOf(table, at);
  return partition.name === name ? partition : undefined;
}
