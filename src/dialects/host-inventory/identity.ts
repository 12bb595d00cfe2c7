import { InventoryProblem } from './host-inventory-errors.ts';

/**
 * The peer's `x-rh-identity` header (SPEC §8.3; its app/auth/identity.py): base64 JSON
 * `{"identity": {...}}`, validated as its IdentitySchema does. Only read when Muster runs with
 * HOST_INVENTORY_IDENTITY=header, behind a gateway that sets the header itself: Muster cannot tell
 * a forged header from a real one.
 */

export const IDENTITY_TYPES = ['System', 'User', 'ServiceAccount', 'Associate', 'X509'] as const;
export const AUTH_TYPES = ['basic-auth', 'cert-auth', 'jwt-auth', 'uhc-auth', 'saml-auth', 'x509'] as const;
export const CERT_TYPES = ['hypervisor', 'rhui', 'sam', 'satellite', 'system'] as const;
/** A gateway's identities are a few hundred bytes; anything near this is not one. */
export const MAX_HEADER_LENGTH = 8192;

export type IdentityType = (typeof IDENTITY_TYPES)[number];

export interface Identity {
  orgId: string;
  type: IdentityType;
  authType: (typeof AUTH_TYPES)[number];
  accountNumber?: string;
  /** A System identity's certificate: its `cn` is its host's subscription_manager_id. */
  system?: { cn: string; certType: (typeof CERT_TYPES)[number] };
}

export const invalidToken = () => new InventoryProblem(401, 'Invalid token');

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const own = (value: Record<string, unknown>, key: string): unknown => (Object.hasOwn(value, key) ? value[key] : undefined);
const text = (value: unknown, min: number, max = Infinity): value is string => typeof value === 'string' && value.length >= min && value.length <= max;

function oneOf<T extends string>(value: unknown, allowed: readonly T[], lower: boolean): T {
  if (typeof value !== 'string') throw invalidToken();
  const candidate = lower ? value.toLowerCase() : value;
  if (!(allowed as readonly string[]).includes(candidate)) throw invalidToken();
  return candidate as T;
}

/** The identity the header carries; 401 `Invalid token` for anything else. */
export function parseIdentityHeader(raw: string | undefined): Identity {
  if (raw === undefined || raw.length === 0 || raw.length > MAX_HEADER_LENGTH) throw invalidToken();
  const compact = raw.trim();
  // Standard base64, padding optional (Python's b64decode accepts what Buffer decodes here, bar junk characters).
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) throw invalidToken();
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64')));
  } catch {
    throw invalidToken();
  }
  const identity = isObject(document) ? own(document, 'identity') : undefined;
  if (!isObject(identity)) throw invalidToken();

  const orgId = own(identity, 'org_id');
  if (!text(orgId, 1, 36)) throw invalidToken();
  const type = oneOf(own(identity, 'type'), IDENTITY_TYPES, false);
  const authType = oneOf(own(identity, 'auth_type'), AUTH_TYPES, true);
  const accountNumber = own(identity, 'account_number');
  if (accountNumber !== undefined && accountNumber !== null && !text(accountNumber, 0, 36)) throw invalidToken();
  const result: Identity = { orgId, type, authType, ...(typeof accountNumber === 'string' && accountNumber !== '' ? { accountNumber } : {}) };

  if (type === 'System') {
    const system = own(identity, 'system');
    if (!isObject(system)) throw invalidToken();
    const cn = own(system, 'cn');
    if (!text(cn, 1, 255)) throw invalidToken();
    result.system = { cn, certType: oneOf(own(system, 'cert_type'), CERT_TYPES, true) };
  } else if (type === 'ServiceAccount') {
    const account = own(identity, 'service_account');
    if (!isObject(account) || !text(own(account, 'client_id'), 1, 255) || !text(own(account, 'username'), 1, 255)) throw invalidToken();
  } else if (type === 'X509') {
    const certificate = own(identity, 'x509');
    if (!isObject(certificate) || !text(own(certificate, 'subject_dn'), 1, 1024) || !text(own(certificate, 'issuer_dn'), 1, 1024)) throw invalidToken();
  } else if (type === 'User') {
    const user = own(identity, 'user');
    if (user !== undefined && !isObject(user)) throw invalidToken();
  }
  return result;
}

/** A header for `identity` (tests, and documentation of the shape). */
export function identityHeader(identity: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ identity })).toString('base64');
}
