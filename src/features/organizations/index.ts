export { createOrganizations, type Organizations, type OrganizationsDeps } from './create-organizations.ts';
export { effectiveThresholds, type OrganizationThresholds, type Thresholds } from './organization-thresholds.ts';
export type { DialectSettings, OrganizationsService } from './organizations-service.ts';
export type { Organization } from './organizations-store.ts';
