import { Type } from 'typebox';
import type { AlertSilence } from './alert-silences-store.ts';
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
  acknowledgement: Type.Union([
    Type.Object({ at: Type.String({ format: 'date-time' }), by: Type.String({ description: 'Who, as they signed in' }), comment: Type.String() }),
    Type.Null(),
  ]),
  silence: Type.Union(
    [
      Type.Object({
        id: Type.String(),
        starts_at: Type.String({ format: 'date-time' }),
        ends_at: Type.String({ format: 'date-time' }),
        by: Type.String(),
        comment: Type.String(),
        alertmanager_silence_id: Type.Union([Type.String(), Type.Null()], { description: "Alertmanager's silence, when Alertmanager is configured" }),
      }),
      Type.Null(),
    ],
    { description: "The silence in force for this alert's rule on its system (only in the management API's answers)" },
  ),
});

/** An alert as the management API answers it, with the silence in force for it. */
export function presentTriagedAlert({ alert, silence }: { alert: Alert; silence: AlertSilence | null }) {
  return {
    ...presentAlert(alert),
    acknowledgement: alert.acknowledgement
      ? { at: alert.acknowledgement.at.toISOString(), by: alert.acknowledgement.by, comment: alert.acknowledgement.comment }
      : null,
    silence: silence
      ? {
          id: silence.id,
          starts_at: silence.startsAt.toISOString(),
          ends_at: silence.endsAt.toISOString(),
          by: silence.createdBy,
          comment: silence.comment,
          alertmanager_silence_id: silence.alertmanagerSilenceId,
        }
      : null,
  };
}

/** An alert's own fields; webhooks receive the same without its source and update time. */
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
