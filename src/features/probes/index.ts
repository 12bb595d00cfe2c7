export { createProbes } from './create-probes.ts';
export { VERSION } from './probes-routes.ts';
