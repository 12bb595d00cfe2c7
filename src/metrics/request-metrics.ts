import type { Metric, Registry } from 'prom-client';

const REQUESTS_NAME = 'muster_http_requests_total';
const REQUESTS_HELP = 'HTTP requests answered, by method, route and status code';
const DURATION_NAME = 'muster_http_request_duration_seconds';
const DURATION_HELP = 'Time to answer HTTP requests, by method and route';
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface RouteSeries {
  labels: { method: string; route: string };
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  buckets: number[];
  sum: number;
  count: number;
  byStatus: Map<number, number>;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels?: Record<string, string>;
  value: number;
  metricName?: string;
}

/**
 * `muster_http_requests_total` and `muster_http_request_duration_seconds`, counted in plain
 * numbers on every request and turned into Prometheus series only when scraped. prom-client's
 * own Counter and Histogram re-validate and re-hash their labels on every call, which showed on
 * the heartbeat path; the exposition is the same.
 */
export function createRequestMetrics(registry: Registry) {
  // method → route → series: two lookups of strings the router already holds, no allocation.
  const byMethod = new Map<string, Map<string, RouteSeries>>();

  function series(method: string, route: string): RouteSeries {
    let byRoute = byMethod.get(method);
    if (!byRoute) {
      byRoute = new Map<string, RouteSeries>();
      byMethod.set(method, byRoute);
    }
    let entry = byRoute.get(route);
    if (!entry) {
      entry = { labels: { method, route }, buckets: new Array<number>(BUCKETS.length + 1).fill(0), sum: 0, count: 0, byStatus: new Map() };
      byRoute.set(route, entry);
    }
    return entry;
  }

  function* allSeries(): Generator<RouteSeries> {
    for (const byRoute of byMethod.values()) yield* byRoute.values();
  }

  function requestValues(): ExportedValue[] {
    const values: ExportedValue[] = [];
    for (const entry of allSeries()) {
      for (const [statusCode, count] of entry.byStatus) values.push({ labels: { ...entry.labels, status_code: statusCode }, value: count });
    }
    return values;
  }

  function durationValues(): ExportedValue[] {
    const values: ExportedValue[] = [];
    for (const entry of allSeries()) {
      let cumulative = 0;
      BUCKETS.forEach((bound, index) => {
        cumulative += entry.buckets[index]!;
        values.push({ labels: { le: bound }, sharedLabels: entry.labels, value: cumulative, metricName: `${DURATION_NAME}_bucket` });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: entry.labels, value: entry.count, metricName: `${DURATION_NAME}_bucket` },
        { labels: {}, sharedLabels: entry.labels, value: entry.sum, metricName: `${DURATION_NAME}_sum` },
        { labels: {}, sharedLabels: entry.labels, value: entry.count, metricName: `${DURATION_NAME}_count` },
      );
    }
    return values;
  }

  // What the registry asks of a metric: its name, help and type, the values for the text format
  // (getForPromString) and as JSON (get, with the shared labels merged in, as prom-client does), reset().
  const exported = (name: string, help: string, type: 'counter' | 'histogram', values: () => ExportedValue[]) =>
    ({
      name,
      help,
      type,
      aggregator: 'sum',
      getForPromString: () => Promise.resolve({ name, help, type, aggregator: 'sum', values: values() }),
      get: () =>
        Promise.resolve({
          name,
          help,
          type,
          aggregator: 'sum',
          values: values().map(({ sharedLabels, ...value }) => ({ ...value, labels: { ...value.labels, ...sharedLabels } })),
        }),
      reset: () => byMethod.clear(),
    }) as unknown as Metric;
  registry.registerMetric(exported(REQUESTS_NAME, REQUESTS_HELP, 'counter', requestValues));
  registry.registerMetric(exported(DURATION_NAME, DURATION_HELP, 'histogram', durationValues));

  return {
    /** Counts one answered request and its duration. */
    observe: (method: string, route: string, statusCode: number, seconds: number): void => {
      const entry = series(method, route);
      entry.byStatus.set(statusCode, (entry.byStatus.get(statusCode) ?? 0) + 1);
      let bucket = 0;
      while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]!) bucket++;
      entry.buckets[bucket]!++;
      entry.sum += seconds;
      entry.count++;
    },
  };
}
