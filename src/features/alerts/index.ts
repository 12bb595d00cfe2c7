export { createAlerts, type Alerts, type AlertsDeps } from './create-alerts.ts';
export type { AlertsService, ChangeSet, StoredChange } from './alerts-service.ts';
