import type { OrganizationsService } from '../../features/organizations/index.ts';

/** Where the organization's settings keep this dialect's (organization_dialect_settings.dialect), and the systems' source. */
export const DIALECT = 'monitoring';

export interface MonitoringSettings {
  /** Seconds without a report after which the views show a server down (the peer's STALE_THRESHOLD_SECONDS). */
  staleThresholdSeconds: number;
  /** Whether the views answer without an API key (the peer serves them to anyone). */
  publicViews: boolean;
}

export const DEFAULT_SETTINGS: Readonly<MonitoringSettings> = Object.freeze({ staleThresholdSeconds: 300, publicViews: false });
export const MAX_STALE_THRESHOLD_SECONDS = 31_536_000;

export type SettingsOrganizations = Pick<OrganizationsService, 'dialectSettings' | 'saveDialectSettings'>;

export async function readSettings(organizations: SettingsOrganizations, organizationId: string): Promise<MonitoringSettings> {
  const { value } = await organizations.dialectSettings(organizationId, DIALECT);
  const stored = (value ?? {}) as Partial<Record<keyof MonitoringSettings, unknown>>;
  return {
    staleThresholdSeconds: typeof stored.staleThresholdSeconds === 'number' ? stored.staleThresholdSeconds : DEFAULT_SETTINGS.staleThresholdSeconds,
    publicViews: typeof stored.publicViews === 'boolean' ? stored.publicViews : DEFAULT_SETTINGS.publicViews,
  };
}

export async function saveSettings(
  organizations: SettingsOrganizations,
  organizationId: string,
  change: Partial<MonitoringSettings>,
): Promise<MonitoringSettings> {
  const settings = { ...(await readSettings(organizations, organizationId)), ...change };
  await organizations.saveDialectSettings(organizationId, DIALECT, settings);
  return settings;
}
