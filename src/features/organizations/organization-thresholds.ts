/** Heartbeat thresholds of a system: its organization's own where set, the global defaults (HEARTBEAT_*_MINUTES) otherwise. */
export interface Thresholds {
  timeoutMinutes: number;
  /** 0 when the warning state is off. */
  warningMinutes: number;
}

export interface OrganizationThresholds {
  heartbeatTimeoutMinutes: number | null;
  heartbeatWarningMinutes: number | null;
}

/** The organization's own thresholds where set, the global ones otherwise. */
export function effectiveThresholds(organization: OrganizationThresholds, defaults: Thresholds): Thresholds {
  const timeoutMinutes = organization.heartbeatTimeoutMinutes ?? defaults.timeoutMinutes;
  const warningMinutes = organization.heartbeatWarningMinutes ?? defaults.warningMinutes;
  // A warning at or after the timeout could never be seen.
  return { timeoutMinutes, warningMinutes: warningMinutes < timeoutMinutes ? warningMinutes : 0 };
}
