export { createAlerts, type Alerts, type AlertsDeps } from './create-alerts.ts';
export type { AlertsService, ChangeSet, StoredChange } from './alerts-service.ts';
export { HEARTBEAT_WARNING, LINK_FAILED } from './alerts-service.ts';
