export { createMonitoring, type MonitoringDeps } from './create-monitoring.ts';
