/** Where a system stands by its heartbeats, as the liveness engine (features/liveness) decides. */
export const LIVENESS_STATUSES = ['unknown', 'active', 'warning', 'inactive'] as const;

export type LivenessStatus = (typeof LIVENESS_STATUSES)[number];

/**
 * Where a system stands, its lifecycle first: deleted, suspended, never registered (created, its
 * secret never used), waiting for its first heartbeat (registered, never heard from), or its
 * liveness status (`inactive`: it did report, and has been silent past the threshold).
 */
export const SYSTEM_STATES = ['active', 'warning', 'inactive', 'awaiting_first_heartbeat', 'never_registered', 'suspended', 'deleted'] as const;

export type SystemState = (typeof SYSTEM_STATES)[number];

export function stateOf(system: { deletedAt: Date | null; suspendedAt: Date | null; registeredAt: Date | null; status: LivenessStatus }): SystemState {
  if (system.deletedAt) return 'deleted';
  if (system.suspendedAt) return 'suspended';
  if (!system.registeredAt) return 'never_registered';
  return system.status === 'unknown' ? 'awaiting_first_heartbeat' : system.status;
}
