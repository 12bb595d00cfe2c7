import { Type, type Static } from 'typebox';

const Number_ = (description?: string) => Type.Number(description ? { description } : {});
const Optional = Type.Optional;

/**
 * The numbers of a monitoring report (SPEC §8.2), as the native metrics endpoint takes them:
 * every part optional, other keys ignored.
 */
export const MetricNumbersBody = Type.Object(
  {
    timestamp: Optional(Type.String({ format: 'date-time', description: 'When the numbers were collected (default: when received); at most 5 minutes ahead' })),
    uptime_seconds: Optional(Number_()),
    cpu: Optional(
      Type.Object({
        percent: Optional(Number_()),
        cores: Optional(Number_('Logical CPUs (the load alert rule divides the load by them)')),
        loadavg: Optional(Type.Object({ '1m': Optional(Number_()), '5m': Optional(Number_()), '15m': Optional(Number_()) })),
      }),
    ),
    memory: Optional(Type.Object({ total_gb: Optional(Number_()), used_gb: Optional(Number_()), percent: Optional(Number_()) })),
    disks: Optional(
      Type.Array(
        Type.Object({
          mountpoint: Type.String({ minLength: 1, maxLength: 4096 }),
          free_gb: Optional(Number_()),
          total_gb: Optional(Number_()),
          percent: Optional(Number_()),
        }),
        { maxItems: 256 },
      ),
    ),
    gpus: Optional(
      Type.Array(
        Type.Object({
          index: Type.Integer({ minimum: 0, maximum: 1023 }),
          utilization_pct: Optional(Number_()),
          memory_used_mb: Optional(Number_()),
          memory_total_mb: Optional(Number_()),
        }),
        { maxItems: 64 },
      ),
    ),
    containers: Optional(
      Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }), cpu_pct: Optional(Number_()), mem_mb: Optional(Number_()) }), {
        maxItems: 1024,
      }),
    ),
  },
  { description: 'Metric numbers in the monitoring report shape (SPEC §10 names the series they become)' },
);
export type MetricNumbersBodyType = Static<typeof MetricNumbersBody>;
