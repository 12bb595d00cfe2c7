import type { OrganizationsService, Thresholds } from '../../features/organizations/index.ts';
import { applyParamsPatch, DEFAULT_PARAMS, type HeartbeatDaemonParams, type ParamsPatchResult } from './params.ts';

/** Where the organization's settings keep this dialect's (organization_dialect_settings.dialect). */
export const DIALECT = 'heartbeat-daemon';

/**
 * Muster's defaults: the daemon's, but for `Sm_url`, which is empty (nothing is sent) until an
 * organization names its state manager. The daemon's default points at a state manager beside
 * it on its own host; a service shared by organizations has no such neighbour.
 */
export const MUSTER_DEFAULT_PARAMS: Readonly<HeartbeatDaemonParams> = Object.freeze({ ...DEFAULT_PARAMS, smUrl: '' });

/** The largest threshold an organization takes (365 days, in seconds; the management API's limit). */
const MAX_THRESHOLD_SECONDS = 31_536_000;

type StoredParams = Omit<HeartbeatDaemonParams, 'warntime' | 'errtime'>;

export type ParamsOrganizations = Pick<OrganizationsService, 'dialectSettings' | 'saveDialectSettings'>;

function fromStored(value: unknown): Partial<StoredParams> {
  if (value === null || typeof value !== 'object') return {};
  const stored = value as Record<string, unknown>;
  const known: Partial<Record<keyof StoredParams, unknown>> = {};
  for (const key of Object.keys(MUSTER_DEFAULT_PARAMS) as (keyof HeartbeatDaemonParams)[]) {
    if (key !== 'warntime' && key !== 'errtime' && typeof stored[key] === typeof MUSTER_DEFAULT_PARAMS[key]) known[key] = stored[key];
  }
  return known as Partial<StoredParams>;
}

/** The organization's parameters: what it stored over Muster's defaults; Warntime and Errtime are its effective thresholds. */
export async function readParams(organizations: ParamsOrganizations, organizationId: string): Promise<HeartbeatDaemonParams> {
  const { value, thresholds } = await organizations.dialectSettings(organizationId, DIALECT);
  return { ...MUSTER_DEFAULT_PARAMS, ...fromStored(value), warntime: thresholds.warningSeconds, errtime: thresholds.timeoutSeconds };
}

/**
 * Muster's own limits on top of the daemon's checks, in the daemon's clause style: Errtime is a
 * timeout (at least 1 s), and a warning, when on (Warntime above 0), comes before it.
 */
function thresholdClauses(params: HeartbeatDaemonParams): string {
  let detail = '';
  if (params.errtime < 1 || params.errtime > MAX_THRESHOLD_SECONDS) detail += `Parameter 'errtime' with illegal value '${params.errtime}'; `;
  if (params.warntime > MAX_THRESHOLD_SECONDS) detail += `Parameter 'warntime' with illegal value '${params.warntime}'; `;
  else if (params.warntime > 0 && params.warntime >= params.errtime) detail += `Parameter 'warntime' must be lower than errtime (${params.errtime}); `;
  return detail;
}

/** PATCH /params: every field valid, or nothing changes; the thresholds and the rest are stored in one transaction. */
export async function patchParams(organizations: ParamsOrganizations, organizationId: string, body: string): Promise<ParamsPatchResult> {
  const current = await readParams(organizations, organizationId);
  const result = applyParamsPatch(current, body);
  if (!result.ok) return result;
  const detail = thresholdClauses(result.params);
  if (detail !== '') return { ok: false, detail };
  const { warntime, errtime, ...rest } = result.params;
  const thresholds: Thresholds | undefined =
    warntime !== current.warntime || errtime !== current.errtime ? { timeoutSeconds: errtime, warningSeconds: warntime } : undefined;
  await organizations.saveDialectSettings(organizationId, DIALECT, rest, thresholds);
  return result;
}
