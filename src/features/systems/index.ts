export { createSystems, type Systems, type SystemsDeps } from './create-systems.ts';
export { requireSystem } from './require-system.ts';
export { invalidCredentialsError, type AuthenticatedSystem, type SystemAuthenticator } from './system-authenticator.ts';
export { LIVENESS_STATUSES, type LivenessStatus } from './system-status.ts';
export type { SystemsService } from './systems-service.ts';
export { LAST_CHECK_IN, type System } from './systems-store.ts';
export type { PeerComponent, PeerSystem, PeerSystems } from './peer-systems.ts';
export type { PeerReport, PeerReports } from './peer-reports.ts';
