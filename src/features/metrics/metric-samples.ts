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
  /** Shared by every set of the same shape: read only. */
  series: readonly SeriesKey[];
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

/** How a report's series, in the order they were read, sort into their layout. */
interface Ordering {
  /** Indexes into the series as read, in layout order. */
  order: number[];
  series: readonly SeriesKey[];
  layoutKey: string;
}

/** Orderings of series sets seen lately, by their keys as read: a fleet's reports mostly share a few shapes. */
const orderings = new Map<string, Ordering>();
const ORDERINGS_CACHED = 1024;

function orderingOf(keys: readonly string[], series: readonly SeriesKey[]): Ordering {
  const readKey = keys.join('\n');
  const cached = orderings.get(readKey);
  if (cached) return cached;
  const order = keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
  const ordering = { order, series: order.map((i) => series[i]!), layoutKey: order.map((i) => keys[i]!).join('\n') };
  if (orderings.size >= ORDERINGS_CACHED) orderings.delete(orderings.keys().next().value!);
  orderings.set(readKey, ordering);
  return ordering;
}

/**
 * The samples of a report's numbers, ordered by series key so that a system reporting the same
 * disks, GPUs and containers always produces the same layout. A series seen twice (two disks
 * with one mountpoint) keeps its first value; values that are not finite numbers are left out.
 * It runs for every report: plain arrays, one labels object per disk, GPU or container, and the
 * sort done once per shape of report (the series of a shape are shared: never to be changed).
 */
export function sampleSet(numbers: MetricNumbers): SampleSet {
  const keys: string[] = [];
  const series: SeriesKey[] = [];
  const values: number[] = [];
  const add = (name: string, key: string, labels: Record<string, string>, value: number | undefined) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    keys.push(key);
    series.push({ name, labels });
    values.push(value);
  };
  const none: Record<string, string> = {};
  add('uptime_seconds', 'uptime_seconds', none, numbers.uptime_seconds);
  const cpu = numbers.cpu;
  if (cpu) {
    add('cpu.percent', 'cpu.percent', none, cpu.percent);
    add('cpu.cores', 'cpu.cores', none, cpu.cores);
    add('cpu.load1', 'cpu.load1', none, cpu.loadavg?.['1m']);
    add('cpu.load5', 'cpu.load5', none, cpu.loadavg?.['5m']);
    add('cpu.load15', 'cpu.load15', none, cpu.loadavg?.['15m']);
  }
  const memory = numbers.memory;
  if (memory) {
    add('memory.total_gb', 'memory.total_gb', none, memory.total_gb);
    add('memory.used_gb', 'memory.used_gb', none, memory.used_gb);
    add('memory.percent', 'memory.percent', none, memory.percent);
  }
  const seen = new Set<string>();
  for (const disk of numbers.disks ?? []) {
    const label = `{mountpoint=${JSON.stringify(disk.mountpoint)}}`;
    if (seen.has(label)) continue;
    seen.add(label);
    const labels = { mountpoint: disk.mountpoint };
    add('disk.percent', `disk.percent${label}`, labels, disk.percent);
    add('disk.free_gb', `disk.free_gb${label}`, labels, disk.free_gb);
    add('disk.total_gb', `disk.total_gb${label}`, labels, disk.total_gb);
  }
  for (const gpu of numbers.gpus ?? []) {
    const label = `{index=${JSON.stringify(String(gpu.index))}}`;
    if (seen.has(label)) continue;
    seen.add(label);
    const labels = { index: String(gpu.index) };
    add('gpu.utilization_pct', `gpu.utilization_pct${label}`, labels, gpu.utilization_pct);
    add('gpu.memory_used_mb', `gpu.memory_used_mb${label}`, labels, gpu.memory_used_mb);
    add('gpu.memory_total_mb', `gpu.memory_total_mb${label}`, labels, gpu.memory_total_mb);
  }
  for (const container of numbers.containers ?? []) {
    const label = `{name=${JSON.stringify(container.name)}}`;
    if (seen.has(label)) continue;
    seen.add(label);
    const labels = { name: container.name };
    add('container.cpu_pct', `container.cpu_pct${label}`, labels, container.cpu_pct);
    add('container.mem_mb', `container.mem_mb${label}`, labels, container.mem_mb);
  }
  const ordering = orderingOf(keys, series);
  return { series: ordering.series, values: ordering.order.map((i) => values[i]!), layoutKey: ordering.layoutKey };
}

/** Whether a series matches a metric name and label filters (every filter's label equal). */
export function seriesMatches(series: SeriesKey, name: string, labels: Readonly<Record<string, string>>): boolean {
  if (series.name !== name) return false;
  for (const [label, value] of Object.entries(labels)) if (series.labels[label] !== value) return false;
  return true;
}
