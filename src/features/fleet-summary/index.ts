export { createFleetSummary, type FleetSummaryDeps } from './create-fleet-summary.ts';
