import { isIP } from 'node:net';
import path from 'node:path';
import bytes from 'bytes';

export interface S3Settings {
  bucket: string;
  region: string;
  endpoint: string | undefined;
  forcePathStyle: boolean;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
}

/** OpenID Connect single sign-on, when OIDC_ISSUER_URL is set. */
export interface OidcSettings {
  issuerUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated, always including `openid`. */
  scopes: string;
  /** The ID token or userinfo claim holding the person's organization roles. */
  rolesClaim: string;
  /** The callback URL registered at the provider; when unset, derived from each request. */
  redirectUrl: string | undefined;
}

export type Role = 'api' | 'worker' | 'scheduler';
const ROLES: readonly Role[] = ['api', 'worker', 'scheduler'];

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  listenHost: string;
  listenPort: number;
  dataDir: string;
  /** PostgreSQL connection string; when unset the embedded PGlite database under dataDir is used. */
  databaseUrl: string | undefined;
  databasePoolSize: number;
  /** Longest wait for a PostgreSQL connection; 0: no limit. */
  databaseConnectTimeoutMs: number;
  /** Longest a PostgreSQL statement may run (migrations excepted); 0: no limit. */
  databaseStatementTimeoutMs: number;
  logLevel: LogLevel;
  /** URL prefix every route also answers under, e.g. `/collect`; '' when unset. */
  basePath: string;
  apiMaxRequestSize: number;
  /** Request bodies one process holds at once (being read, parsed or waiting to be stored). */
  apiMaxInFlightSize: number;
  /** Limits on every JSON body, checked before it is parsed (src/http/json-limits.ts). */
  apiJsonLimits: { maxDepth: number; maxValues: number; maxString: number };
  heartbeatTimeoutMinutes: number;
  /** 0 means the warning state is off. */
  heartbeatWarningMinutes: number;
  adminToken: string | undefined;
  /** SECRETS_KEY: the 32-byte key stored secrets are encrypted with; when unset, one kept in dataDir. */
  secretsKey: Buffer | undefined;
  systemKeyPrefix: string;
  systemAuthCacheTtlSeconds: number;
  systemAuthCacheSize: number;
  /** Live systems a dialect may create for its peer's components in one organization. */
  dialectMaxSystemsPerOrganization: number;
  /** How host-inventory callers identify: an organization API key, or a gateway's x-rh-identity header. */
  hostInventoryIdentity: 'api-key' | 'header';
  heartbeatBatchSize: number;
  heartbeatMaxPending: number;
  /** The metrics store (SPEC §10): retention per resolution, rollup interval, group commit, forwarding. */
  metrics: MetricsSettings;
  livenessScanIntervalMs: number;
  /** Minutes between Muster's own VACUUM (ANALYZE) runs (PGlite, or PostgreSQL with autovacuum off). */
  embeddedMaintenanceMinutes: number;
  /** PGlite only: PostgreSQL's shared_buffers, in bytes (resident for good once used). */
  embeddedSharedBuffers: number;
  /** PGlite only: let V8 optimize the database's WASM code (TurboFan) instead of keeping it on the baseline compiler. */
  embeddedWasmOptimizer: boolean;
  /** On glibc, restart with malloc settings that return freed large blocks to the system (src/memory/runtime-relaunch.ts). */
  memoryAllocatorTuning: boolean;
  /** Heartbeat statements in flight at once on PostgreSQL. */
  heartbeatConcurrentWrites: number;
  metricsToken: string | undefined;
  /** The inventory change rules (categories, severity, significance). */
  rulesFile: string;
  /** The built operator dashboard (index.html and assets/), served at `/`. */
  dashboardDir: string;
  /** What this process does: `api` serves HTTP, `worker` runs background jobs, `scheduler` runs periodic tasks. */
  roles: ReadonlySet<Role>;
  /** Minutes between runs of inventory retention (once per cluster). */
  retentionIntervalMinutes: number;
  /** Alertmanager's base URL; alerts are also sent there when set. */
  alertmanagerUrl: string | undefined;
  /** Seconds between re-posts of firing liveness alerts to Alertmanager. */
  alertmanagerSyncIntervalSeconds: number;
  backups: {
    maxUploadSize: number;
    maxPerSystem: number;
    maxSizePerSystem: number;
    maxSizePerOrganization: number;
    perMinute: number;
    perHour: number;
    s3: S3Settings | undefined;
  };
  /** Inventory jobs run at once by this node. */
  inventoryJobConcurrency: number;
  /** Most inventories stored by one ingest transaction (group commit). */
  inventoryBatchSize: number;
  /** Inventories waiting to be stored beyond this are refused with 503. */
  inventoryMaxPending: number;
  /** Estimated bytes of parsed inventory snapshots kept in memory (received and latest). */
  inventoryCacheSize: number;
  /** Ingest transactions in flight at once on PostgreSQL. */
  inventoryConcurrentWrites: number;
  /** Registration attempts per client address per minute. */
  registerRateLimitPerMinute: number;
  /** Fewest characters of an operator's password. */
  passwordMinLength: number;
  /** Hours an invitation link stays usable. */
  invitationTtlHours: number;
  /** Minutes without a request after which a dashboard session ends. */
  sessionIdleTimeoutMinutes: number;
  /** Hours after sign-in at which a dashboard session ends whatever its use. */
  sessionMaxAgeHours: number;
  /** Days an audit log row is kept. */
  auditRetentionDays: number;
  /** Fastify's `trustProxy`: whether (or which, or how many) proxies' X-Forwarded-* headers are believed. */
  trustProxy: boolean | number | string[];
  /** Single sign-on; undefined when OIDC_ISSUER_URL is unset. */
  oidc: OidcSettings | undefined;
  shutdownTimeoutMs: number;
}

export interface MetricsSettings {
  rawRetentionMs: number;
  fiveMinuteRetentionMs: number;
  hourRetentionMs: number;
  rollupIntervalMs: number;
  batchSize: number;
  maxPending: number;
  /** Prometheus remote-write endpoint samples are forwarded to; undefined: none. */
  remoteWriteUrl: string | undefined;
}

export const DEFAULT_RULES_FILE = path.join(import.meta.dirname, '..', '..', 'rules', 'inventory-rules.json');
export const DEFAULT_DASHBOARD_DIR = path.join(import.meta.dirname, '..', '..', 'web', 'dist');

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * Turns the environment into a typed, frozen configuration. Every variable is documented in
 * the README; a bad value throws a ConfigError naming the variable.
 */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const listen = readListenAddress(env, 'LISTEN_ADDRESS', '127.0.0.1:8081');
  const heartbeatTimeoutMinutes = readInteger(env, 'HEARTBEAT_TIMEOUT_MINUTES', 10, { min: 1, max: 525_600 });
  const heartbeatWarningMinutes = readOptionalMinutes(env, 'HEARTBEAT_WARNING_MINUTES');
  if (heartbeatWarningMinutes >= heartbeatTimeoutMinutes) {
    throw new ConfigError(
      `HEARTBEAT_WARNING_MINUTES (${heartbeatWarningMinutes}) must be lower than HEARTBEAT_TIMEOUT_MINUTES (${heartbeatTimeoutMinutes}), or unset/0 to disable the warning state`,
    );
  }
  const apiMaxRequestSize = readSize(env, 'API_MAX_REQUEST_SIZE', 10 * 1024 * 1024);
  const apiMaxInFlightSize = readSize(env, 'API_MAX_IN_FLIGHT_SIZE', 64 * 1024 * 1024);
  if (apiMaxInFlightSize < apiMaxRequestSize) {
    throw new ConfigError(
      `API_MAX_IN_FLIGHT_SIZE (${apiMaxInFlightSize}) must be at least API_MAX_REQUEST_SIZE (${apiMaxRequestSize}), or the largest requests could never be taken`,
    );
  }
  return Object.freeze({
    listenHost: listen.host,
    listenPort: listen.port,
    dataDir: path.resolve(readString(env, 'DATA_DIR') ?? './data'),
    databaseUrl: readDatabaseUrl(env, 'DATABASE_URL'),
    databasePoolSize: readInteger(env, 'DATABASE_POOL_SIZE', 10, { min: 1, max: 1000 }),
    databaseConnectTimeoutMs: readDurationSeconds(env, 'DATABASE_CONNECT_TIMEOUT', 5, 3600) * 1000,
    databaseStatementTimeoutMs: readDurationSeconds(env, 'DATABASE_STATEMENT_TIMEOUT', 30, 86_400) * 1000,
    logLevel: readEnum(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    basePath: readBasePath(env, 'BASE_PATH'),
    apiMaxRequestSize,
    apiMaxInFlightSize,
    apiJsonLimits: {
      // Inventories nest about 10 deep. The ceiling is the depth every recursive step after the
      // parse (JSON.stringify, PostgreSQL's jsonb input, the diff engine) is tested at.
      maxDepth: readInteger(env, 'API_MAX_JSON_DEPTH', 64, { min: 1, max: 1000 }),
      // Real inventories hold 15-23 bytes of JSON per value, so 10 MB of them ~700,000 values;
      // 10 MB of `[0,0,…]` would hold five million.
      maxValues: readInteger(env, 'API_MAX_JSON_VALUES', 1_000_000, { min: 1, max: 100_000_000 }),
      maxString: readSize(env, 'API_MAX_JSON_STRING', 1024 * 1024),
    },
    heartbeatTimeoutMinutes,
    heartbeatWarningMinutes,
    adminToken: readSecret(env, 'ADMIN_TOKEN', 16),
    secretsKey: readKey(env, 'SECRETS_KEY'),
    systemKeyPrefix: readSystemKeyPrefix(env, 'SYSTEM_KEY_PREFIX'),
    systemAuthCacheTtlSeconds: readDurationSeconds(env, 'SYSTEM_AUTH_CACHE_TTL', 600, 86_400),
    systemAuthCacheSize: readInteger(env, 'SYSTEM_AUTH_CACHE_SIZE', 1_000_000, { min: 0, max: 100_000_000 }),
    hostInventoryIdentity: readEnum(env, 'HOST_INVENTORY_IDENTITY', ['api-key', 'header'], 'api-key'),
    dialectMaxSystemsPerOrganization: readInteger(env, 'DIALECT_MAX_SYSTEMS_PER_ORGANIZATION', 100_000, { min: 0, max: 10_000_000 }),
    heartbeatBatchSize: readInteger(env, 'HEARTBEAT_BATCH_SIZE', 1000, { min: 1, max: 10_000 }),
    heartbeatMaxPending: readInteger(env, 'HEARTBEAT_MAX_PENDING', 20_000, { min: 1, max: 1_000_000 }),
    metrics: readMetricsSettings(env),
    livenessScanIntervalMs: readInteger(env, 'LIVENESS_SCAN_INTERVAL_MS', 500, { min: 50, max: 60_000 }),
    embeddedMaintenanceMinutes: readInteger(env, 'EMBEDDED_MAINTENANCE_MINUTES', 10, { min: 1, max: 1440 }),
    embeddedSharedBuffers: readEmbeddedSharedBuffers(env),
    embeddedWasmOptimizer: readEnum(env, 'EMBEDDED_WASM_OPTIMIZER', ['off', 'on'], 'off') === 'on',
    memoryAllocatorTuning: readEnum(env, 'MEMORY_ALLOCATOR_TUNING', ['off', 'on'], 'on') === 'on',
    heartbeatConcurrentWrites: readInteger(env, 'HEARTBEAT_CONCURRENT_WRITES', 1, { min: 1, max: 64 }),
    metricsToken: readSecret(env, 'METRICS_TOKEN', 16),
    rulesFile: path.resolve(readString(env, 'RULES_FILE') ?? DEFAULT_RULES_FILE),
    dashboardDir: path.resolve(readString(env, 'DASHBOARD_DIR') ?? DEFAULT_DASHBOARD_DIR),
    roles: readRoles(env, 'ROLES'),
    retentionIntervalMinutes: readInteger(env, 'INVENTORY_RETENTION_INTERVAL_MINUTES', 60, { min: 1, max: 10_080 }),
    alertmanagerUrl: readHttpUrl(env, 'ALERTMANAGER_URL'),
    alertmanagerSyncIntervalSeconds: readInteger(env, 'ALERTMANAGER_SYNC_INTERVAL_SECONDS', 300, { min: 5, max: 86_400 }),
    backups: {
      maxUploadSize: readSize(env, 'BACKUP_MAX_UPLOAD_SIZE', 2 * 1024 ** 3),
      maxPerSystem: readInteger(env, 'BACKUP_MAX_PER_SYSTEM', 10, { min: 1, max: 10_000 }),
      maxSizePerSystem: readSize(env, 'BACKUP_MAX_SIZE_PER_SYSTEM', 500 * 1024 ** 2),
      maxSizePerOrganization: readSizeOrZero(env, 'BACKUP_MAX_SIZE_PER_ORG', 100 * 1024 ** 3),
      perMinute: readInteger(env, 'BACKUP_RATE_LIMIT_PER_MINUTE', 6, { min: 1, max: 100_000 }),
      perHour: readInteger(env, 'BACKUP_RATE_LIMIT_PER_HOUR', 60, { min: 1, max: 1_000_000 }),
      s3: readS3Settings(env),
    },
    inventoryJobConcurrency: readInteger(env, 'INVENTORY_JOB_CONCURRENCY', 2, { min: 1, max: 64 }),
    inventoryBatchSize: readInteger(env, 'INVENTORY_BATCH_SIZE', 200, { min: 1, max: 5000 }),
    inventoryMaxPending: readInteger(env, 'INVENTORY_MAX_PENDING', 2000, { min: 1, max: 1_000_000 }),
    inventoryCacheSize: readSizeOrZero(env, 'INVENTORY_CACHE_SIZE', 256 * 1024 * 1024),
    inventoryConcurrentWrites: readInteger(env, 'INVENTORY_CONCURRENT_WRITES', 1, { min: 1, max: 64 }),
    registerRateLimitPerMinute: readInteger(env, 'REGISTER_RATE_LIMIT_PER_MINUTE', 30, { min: 1, max: 1_000_000 }),
    passwordMinLength: readInteger(env, 'PASSWORD_MIN_LENGTH', 12, { min: 8, max: 256 }),
    invitationTtlHours: readInteger(env, 'INVITATION_TTL_HOURS', 72, { min: 1, max: 8760 }),
    sessionIdleTimeoutMinutes: readInteger(env, 'SESSION_IDLE_TIMEOUT_MINUTES', 12 * 60, { min: 5, max: 525_600 }),
    sessionMaxAgeHours: readInteger(env, 'SESSION_MAX_AGE_HOURS', 7 * 24, { min: 1, max: 8760 }),
    auditRetentionDays: readInteger(env, 'AUDIT_RETENTION_DAYS', 365, { min: 1, max: 36_500 }),
    trustProxy: readTrustProxy(env, 'TRUST_PROXY'),
    oidc: readOidcSettings(env),
    shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, { min: 0, max: 600_000 }),
  });
}

function readString(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function readInteger(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const raw = readString(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${name} must be an integer, got '${raw}'`);
  const value = Number(raw);
  if (value < range.min || value > range.max) {
    throw new ConfigError(`${name} must be between ${range.min} and ${range.max}, got ${value}`);
  }
  return value;
}

function readOptionalMinutes(env: Env, name: string): number {
  const raw = readString(env, name);
  if (raw === undefined || raw.toLowerCase() === 'off') return 0;
  return readInteger(env, name, 0, { min: 0, max: 525_600 });
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** Seconds, given as a bare number of seconds or with a unit: `600`, `90s`, `10m`, `1h`. */
function readMetricsSettings(env: Env): MetricsSettings {
  const DAY = 86_400;
  const raw = readDurationSeconds(env, 'METRICS_RAW_RETENTION', 7 * DAY, 365 * DAY);
  const fiveMinute = readDurationSeconds(env, 'METRICS_5M_RETENTION', 90 * DAY, 3650 * DAY);
  const hour = readDurationSeconds(env, 'METRICS_1H_RETENTION', 730 * DAY, 36_500 * DAY);
  // Each resolution is rolled up from the finer one, which must still hold what it needs.
  if (raw < 3 * 3600) throw new ConfigError(`METRICS_RAW_RETENTION must be at least 3h, got ${raw}s`);
  if (fiveMinute < raw) throw new ConfigError(`METRICS_5M_RETENTION (${fiveMinute}s) must be at least METRICS_RAW_RETENTION (${raw}s)`);
  if (hour < fiveMinute) throw new ConfigError(`METRICS_1H_RETENTION (${hour}s) must be at least METRICS_5M_RETENTION (${fiveMinute}s)`);
  return {
    rawRetentionMs: raw * 1000,
    fiveMinuteRetentionMs: fiveMinute * 1000,
    hourRetentionMs: hour * 1000,
    rollupIntervalMs: readDurationSeconds(env, 'METRICS_ROLLUP_INTERVAL', 60, 3600) * 1000,
    batchSize: readInteger(env, 'METRICS_BATCH_SIZE', 1000, { min: 1, max: 10_000 }),
    maxPending: readInteger(env, 'METRICS_MAX_PENDING', 20_000, { min: 1, max: 1_000_000 }),
    remoteWriteUrl: readHttpUrl(env, 'METRICS_REMOTE_WRITE_URL'),
  };
}

function readDurationSeconds(env: Env, name: string, fallback: number, max: number): number {
  const raw = readString(env, name);
  if (raw === undefined) return fallback;
  const match = /^(\d+)(s|m|h|d)?$/.exec(raw);
  const value = match ? Number(match[1]) * DURATION_UNITS[match[2] ?? 's']! : NaN;
  if (!match || value > max) throw new ConfigError(`${name} must be a duration such as 600, 90s, 10m, 1h or 7d (at most ${max}s), got '${raw}'`);
  return value;
}

function readRoles(env: Env, name: string): ReadonlySet<Role> {
  const raw = readString(env, name);
  if (raw === undefined) return new Set(ROLES);
  const roles = raw.split(',').map((role) => role.trim().toLowerCase());
  const unknown = roles.filter((role) => !ROLES.includes(role as Role));
  if (unknown.length || roles.length === 0) throw new ConfigError(`${name} must be a comma-separated list of ${ROLES.join(', ')}, got '${raw}'`);
  return new Set(roles as Role[]);
}

function readEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = readString(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw as T)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
  return raw as T;
}

function readListenAddress(env: Env, name: string, fallback: string): { host: string; port: number } {
  const raw = readString(env, name) ?? fallback;
  // host:port, [ipv6]:port or :port (all interfaces)
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(raw);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65_535) throw new ConfigError(`${name} must look like 127.0.0.1:8081, [::1]:8081 or :8081, got '${raw}'`);
  const host = match[1] ?? (match[2] === '' ? '0.0.0.0' : match[2]!);
  return { host, port };
}

function readDatabaseUrl(env: Env, name: string): string | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a postgres:// or postgresql:// URL`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`${name} must be a postgres:// or postgresql:// URL, got protocol '${url.protocol}'`);
  }
  return raw;
}

function readHttpUrl(env: Env, name: string): string | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL such as http://127.0.0.1:9093, got '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL, got '${raw}'`);
  return raw.replace(/\/+$/, '');
}

function readBasePath(env: Env, name: string): string {
  const raw = readString(env, name);
  if (raw === undefined || raw === '/') return '';
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(raw) || raw.includes('//')) {
    throw new ConfigError(`${name} must be a URL path such as /collect, got '${raw}'`);
  }
  return raw.replace(/\/+$/, '');
}

function readSize(env: Env, name: string, fallback: number): number {
  const raw = readString(env, name);
  if (raw === undefined) return fallback;
  // bytes() reads "10MB" as 10 MiB, the way the seed's collect service does.
  const value = /^\d+$/.test(raw) ? Number(raw) : bytes.parse(raw);
  if (value === null || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a size in bytes such as 10485760 or 10MB, got '${raw}'`);
  }
  return value;
}

/** The embedded database's shared_buffers unless EMBEDDED_SHARED_BUFFERS is set (why: src/db/pglite-db.ts). */
export const DEFAULT_EMBEDDED_SHARED_BUFFERS = 16 * 1024 * 1024;

/** PostgreSQL takes whole 8 kB pages, at least 16 of them. */
function readEmbeddedSharedBuffers(env: Env): number {
  const value = readSize(env, 'EMBEDDED_SHARED_BUFFERS', DEFAULT_EMBEDDED_SHARED_BUFFERS);
  if (value < 128 * 1024 || value > 1024 * 1024 * 1024) {
    throw new ConfigError(`EMBEDDED_SHARED_BUFFERS must be between 128kB and 1GB, got '${readString(env, 'EMBEDDED_SHARED_BUFFERS')}'`);
  }
  return value;
}

function readSizeOrZero(env: Env, name: string, fallback: number): number {
  return readString(env, name) === '0' ? 0 : readSize(env, name, fallback);
}

/** S3 when BACKUP_S3_BUCKET is set; the rest is checked only then. */
function readS3Settings(env: Env): S3Settings | undefined {
  const bucket = readString(env, 'BACKUP_S3_BUCKET');
  if (bucket === undefined) return undefined;
  const endpoint = readHttpUrl(env, 'BACKUP_S3_ENDPOINT') ?? readHttpUrl(env, 'S3_ENDPOINT');
  const accessKeyId = readString(env, 'BACKUP_S3_ACCESS_KEY') ?? readString(env, 'S3_ACCESS_KEY');
  const secretAccessKey = readString(env, 'BACKUP_S3_SECRET_KEY') ?? readString(env, 'S3_SECRET_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError('BACKUP_S3_ACCESS_KEY and BACKUP_S3_SECRET_KEY must be set together');
  }
  return {
    bucket,
    region: readString(env, 'BACKUP_S3_REGION') ?? 'us-east-1',
    endpoint,
    forcePathStyle: readEnum(env, 'BACKUP_S3_USE_PATH_STYLE', ['true', 'false'], 'false') === 'true',
    accessKeyId,
    secretAccessKey,
  };
}

/** SSO when OIDC_ISSUER_URL is set; the client's settings are required only then. */
function readOidcSettings(env: Env): OidcSettings | undefined {
  const issuerUrl = readString(env, 'OIDC_ISSUER_URL');
  if (issuerUrl === undefined) return undefined;
  // Kept as given (a trailing slash included): the provider's `issuer` must match it exactly.
  readHttpUrl(env, 'OIDC_ISSUER_URL');
  const clientId = readString(env, 'OIDC_CLIENT_ID');
  if (clientId === undefined) throw new ConfigError('OIDC_CLIENT_ID must be set when OIDC_ISSUER_URL is set');
  const clientSecret = readString(env, 'OIDC_CLIENT_SECRET');
  if (clientSecret === undefined) throw new ConfigError('OIDC_CLIENT_SECRET must be set when OIDC_ISSUER_URL is set');
  const scopes = (readString(env, 'OIDC_SCOPES') ?? 'openid email profile').split(/\s+/);
  if (!scopes.includes('openid')) throw new ConfigError(`OIDC_SCOPES must include openid, got '${scopes.join(' ')}'`);
  const rolesClaim = readString(env, 'OIDC_ROLES_CLAIM') ?? 'muster_roles';
  if (!/^[\x21-\x7e]{1,128}$/.test(rolesClaim)) throw new ConfigError(`OIDC_ROLES_CLAIM must be a claim name without spaces, got '${rolesClaim}'`);
  const redirectUrl = readString(env, 'OIDC_REDIRECT_URL');
  if (redirectUrl !== undefined) readHttpUrl(env, 'OIDC_REDIRECT_URL');
  return { issuerUrl, clientId, clientSecret, scopes: [...new Set(scopes)].join(' '), rolesClaim, redirectUrl };
}

function readSecret(env: Env, name: string, minLength: number): string | undefined {
  const raw = readString(env, name);
  if (raw !== undefined && raw.length < minLength) {
    throw new ConfigError(`${name} must be at least ${minLength} characters long`);
  }
  return raw;
}

/** 32 bytes, as 64 hex digits or base64 (standard or URL-safe, padding optional). */
function readKey(env: Env, name: string): Buffer | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(raw)) key = Buffer.from(raw, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(raw)) key = Buffer.from(raw.replace(/=$/, '').replaceAll('+', '-').replaceAll('/', '_'), 'base64url');
  if (key?.length !== 32) throw new ConfigError(`${name} must be 32 bytes as 64 hex digits or base64 (e.g. the output of openssl rand -base64 32)`);
  return key;
}

/** `true`/`false`, a number of proxy hops, or a comma-separated list of proxy addresses and CIDRs. */
function readTrustProxy(env: Env, name: string): boolean | number | string[] {
  const raw = readString(env, name);
  if (raw === undefined || raw.toLowerCase() === 'false') return false;
  if (raw.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(raw)) return readInteger(env, name, 0, { min: 1, max: 100 });
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const prefixOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(
        `${name} must be true, false, a number of proxy hops, or a comma-separated list of addresses or CIDRs (e.g. 10.0.0.0/8,::1), got '${raw}'`,
      );
    }
  }
  return entries;
}

function readSystemKeyPrefix(env: Env, name: string): string {
  const raw = readString(env, name) ?? 'NETH';
  if (!/^[A-Z][A-Z0-9]{0,15}$/.test(raw)) {
    throw new ConfigError(`${name} must be 1-16 upper-case letters or digits starting with a letter, got '${raw}'`);
  }
  return raw;
}
