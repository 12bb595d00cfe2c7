/** Where a system stands by its heartbeats, as the liveness engine (features/liveness) decides. */
export const LIVENESS_STATUSES = ['unknown', 'active', 'warning', 'inactive'] as const;

export type LivenessStatus = (typeof LIVENESS_STATUSES)[number];
