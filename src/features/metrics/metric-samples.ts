import { hash } from 'node:crypto';

/**
 * The numbers a system reports about itself at one moment, in the monitoring agent's report
 * shape (SPEC §8.2) that the native metrics endpoint shares. Every part is optional: what is
 * absent is simply not sampled.
 */
export interface MetricNumbers {
  uptime_seconds?: number | undefined;
  cpu?:
    | {
        percent?: number | undefined;
        cores?: number | undefined;
        loadavg?: { '1m'?: number | undefined; '5m'?: number | undefined; '15m'?: number | undefined } | undefined;
      }
    | undefined;
  memory?: { total_gb?: number | undefined; used_gb?: number | undefined; percent?: number | undefined } | undefined;
  disks?: readonly { mountpoint: string; free_gb?: number | undefined; total_gb?: number | undefined; percent?: number | undefined }[] | undefined;
  gpus?:
    readonly { index: number; utilization_pct?: number | undefined; memory_used_mb?: number | undefined; memory_total_mb?: number | undefined }[] | undefined;
  containers?: readonly { name: string; cpu_pct?: number | undefined; mem_mb?: number | undefined }[] | undefined;
}

/** A series of one system: a metric name and its labels (SPEC §10). */
export interface SeriesKey {
  name: string;
  labels: Record<string, string>;
}

/** The series of one moment in a fixed order, and what identifies that order. */
export interface SampleSet {
  series: SeriesKey[];
  values: number[];
  /** The series keys in order, one per line: equal sets share one stored layout. */
  layoutKey: string;
}

/** What a stored layout is keyed by: the SHA-256 of its series keys (computed only for a layout a node does not know). */
export const layoutHash = (set: Pick<SampleSet, 'layoutKey'>): string => hash('sha256', set.layoutKey, 'base64url');

/** Every metric name the store knows, with the label that tells a system's series of it apart. */
export const METRIC_NAMES: Readonly<Record<string, string | null>> = {
  'cpu.percent': null,
  'cpu.cores': null,
  'cpu.load1': null,
  'cpu.load5': null,
  'cpu.load15': null,
  'memory.total_gb': null,
  'memory.used_gb': null,
  'memory.percent': null,
  'disk.percent': 'mountpoint',
  'disk.free_gb': 'mountpoint',
  'disk.total_gb': 'mountpoint',
  'gpu.utilization_pct': 'index',
  'gpu.memory_used_mb': 'index',
  'gpu.memory_total_mb': 'index',
  'container.cpu_pct': 'name',
  'container.mem_mb': 'name',
  uptime_seconds: null,
};

const seriesKey = (key: SeriesKey): string => {
  const label = METRIC_NAMES[key.name];
  return label ? `${key.name}{${label}=${JSON.stringify(key.labels[label])}}` : key.name;
};

/**
 * The samples of a report's numbers, ordered by series key so that a system reporting the same
 * disks, GPUs and containers always produces the same layout. A series seen twice (two disks
 * with one mountpoint) keeps its first value; values that are not finite numbers are left out.
 */
export function sampleSet(numbers: MetricNumbers): SampleSet {
  const entries = new Map<string, { key: SeriesKey; value: number }>();
  const add = (name: string, value: number | undefined, labels: Record<string, string> = {}) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    const key = { name, labels };
    const text = seriesKey(key);
    if (!entries.has(text)) entries.set(text, { key, value });
  };
  add('uptime_seconds', numbers.uptime_seconds);
  add('cpu.percent', numbers.cpu?.percent);
  add('cpu.cores', numbers.cpu?.cores);
  add('cpu.load1', numbers.cpu?.loadavg?.['1m']);
  add('cpu.load5', numbers.cpu?.loadavg?.['5m']);
  add('cpu.load15', numbers.cpu?.loadavg?.['15m']);
  add('memory.total_gb', numbers.memory?.total_gb);
  add('memory.used_gb', numbers.memory?.used_gb);
  add('memory.percent', numbers.memory?.percent);
  for (const disk of numbers.disks ?? []) {
    const labels = { mountpoint: disk.mountpoint };
    add('disk.percent', disk.percent, labels);
    add('disk.free_gb', disk.free_gb, labels);
    add('disk.total_gb', disk.total_gb, labels);
  }
  for (const gpu of numbers.gpus ?? []) {
    const labels = { index: String(gpu.index) };
    add('gpu.utilization_pct', gpu.utilization_pct, labels);
    add('gpu.memory_used_mb', gpu.memory_used_mb, labels);
    add('gpu.memory_total_mb', gpu.memory_total_mb, labels);
  }
  for (const container of numbers.containers ?? []) {
    const labels = { name: container.name };
    add('container.cpu_pct', container.cpu_pct, labels);
    add('container.mem_mb', container.mem_mb, labels);
  }
  const keys = [...entries.keys()].sort();
  return {
    series: keys.map((key) => entries.get(key)!.key),
    values: keys.map((key) => entries.get(key)!.value),
    layoutKey: keys.join('\n'),
  };
}

/** Whether a series matches a metric name and label filters (every filter's label equal). */
export function seriesMatches(series: SeriesKey, name: string, labels: Readonly<Record<string, string>>): boolean {
  if (series.name !== name) return false;
  for (const [label, value] of Object.entries(labels)) if (series.labels[label] !== value) return false;
  return true;
}
