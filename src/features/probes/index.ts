export { createProbes } from './create-probes.ts';
export { VERSION, type HealthChecks } from './probes-routes.ts';
