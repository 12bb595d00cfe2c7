/** Heartbeat thresholds of a system: its organization's own where set, the global defaults (HEARTBEAT_*_MINUTES) otherwise. */
export interface Thresholds {
  timeoutSeconds: number;
  /** 0 when the warning state is off. */
  warningSeconds: number;
}

export interface OrganizationThresholds {
  heartbeatTimeoutSeconds: number | null;
  heartbeatWarningSeconds: number | null;
}

/** The organization's own thresholds where set, the global ones otherwise. */
export function effectiveThresholds(organization: OrganizationThresholds, defaults: Thresholds): Thresholds {
  const timeoutSeconds = organization.heartbeatTimeoutSeconds ?? defaults.timeoutSeconds;
  const warningSeconds = organization.heartbeatWarningSeconds ?? defaults.warningSeconds;
  // A warning at or after the timeout could never be seen.
  return { timeoutSeconds, warningSeconds: warningSeconds < timeoutSeconds ? warningSeconds : 0 };
}
