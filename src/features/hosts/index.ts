export { createHostCulling, type HostCullingDeps } from './host-culling.ts';
export { createHostsService, type HostsService } from './hosts-service.ts';
export {
  DEFAULT_STALENESS,
  OPERATING_SYSTEM_FIELDS,
  PROFILE_FIELDS,
  STALENESS_STATES,
  stalenessOf,
  type CanonicalFilter,
  type HostQuery,
  type HostRow,
  type LabelCount,
  type LabelCountQuery,
  type OperatingSystemCount,
  type ProfileFieldType,
  type ProfileFilter,
  type StalenessState,
  type StalenessThresholds,
} from './hosts-model.ts';
