import type { MetricIngest } from './metric-ingest.ts';
import { sampleSet, type MetricNumbers } from './metric-samples.ts';

export interface MetricsService {
  /** Stores a system's numbers of one moment as samples; resolves with their count once committed (503 when it cannot be). */
  record(system: { id: string; organizationId: string }, at: Date, numbers: MetricNumbers): Promise<number>;
}

export function createMetricsService(ingest: Pick<MetricIngest, 'submit'>): MetricsService {
  return {
    async record(system, at, numbers) {
      const set = sampleSet(numbers);
      await ingest.submit(system, at, set);
      return set.values.length;
    },
  };
}
