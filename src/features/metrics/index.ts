export { createSystemMetrics, type SystemMetrics, type SystemMetricsDeps } from './create-metrics.ts';
export { METRIC_NAMES, type MetricNumbers } from './metric-samples.ts';
export type { MetricsService } from './metrics-service.ts';
export type { MetricsQueries } from './metrics-queries.ts';
