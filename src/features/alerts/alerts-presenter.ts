import { Type } from 'typebox';
import type { Alert } from './alerts-store.ts';

export const AlertSchema = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'LinkFailed, HeartbeatWarning, InventoryChange, SystemRegistered' }),
  status: Type.Enum(['firing', 'resolved']),
  severity: Type.String(),
  summary: Type.String(),
  system_id: Type.Union([Type.String(), Type.Null()]),
  organization_id: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  annotations: Type.Record(Type.String(), Type.String()),
  source: Type.Object({ type: Type.String({ description: 'diff, liveness or registration' }), id: Type.String() }),
  starts_at: Type.String({ format: 'date-time' }),
  ends_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  updated_at: Type.String({ format: 'date-time' }),
});

/** An alert as the management API answers it; webhooks receive the same without its source and update time. */
export function presentAlert(alert: Alert) {
  return {
    id: alert.id,
    name: alert.name,
    status: alert.status,
    severity: alert.severity,
    summary: alert.summary,
    system_id: alert.systemId,
    organization_id: alert.organizationId,
    labels: alert.labels,
    annotations: alert.annotations,
    source: { type: alert.sourceType, id: alert.sourceId },
    starts_at: alert.startsAt.toISOString(),
    ends_at: alert.endsAt ? alert.endsAt.toISOString() : null,
    updated_at: alert.updatedAt.toISOString(),
  };
}
