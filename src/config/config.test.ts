import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has working defaults for a bare environment', () => {
    const config = loadConfig({});
    assert.equal(config.listenHost, '127.0.0.1');
    assert.equal(config.listenPort, 8081);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.apiMaxRequestSize, 10 * 1024 * 1024);
    assert.equal(config.heartbeatTimeoutMinutes, 10);
    assert.equal(config.heartbeatWarningMinutes, 0);
    assert.equal(config.systemKeyPrefix, 'NETH');
    assert.equal(config.systemAuthCacheTtlSeconds, 600);
    assert.equal(config.basePath, '');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.databaseConnectTimeoutMs, 5000);
    assert.equal(config.databaseStatementTimeoutMs, 30_000);
    assert.equal(config.embeddedSharedBuffers, 16 * 1024 * 1024);
    assert.equal(config.embeddedWasmOptimizer, false);
    assert.equal(config.passwordMinLength, 12);
    assert.equal(config.invitationTtlHours, 72);
    assert.equal(config.sessionIdleTimeoutMinutes, 720);
    assert.equal(config.sessionMaxAgeHours, 168);
    assert.equal(config.auditRetentionDays, 365);
    assert.equal(config.trustProxy, false);
    assert.ok(Object.isFrozen(config));
  });

  it('reads TRUST_PROXY as a flag, a number of hops, or proxies by address and CIDR', () => {
    assert.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ TRUST_PROXY: 'FALSE' }).trustProxy, false);
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8' }).trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
    assert.equal(loadConfig({ SESSION_IDLE_TIMEOUT_MINUTES: '30', SESSION_MAX_AGE_HOURS: '12' }).sessionIdleTimeoutMinutes, 30);
    assert.equal(loadConfig({ AUDIT_RETENTION_DAYS: '30' }).auditRetentionDays, 30);
  });

  it('limits JSON bodies: depth, values and string length, with defaults', () => {
    assert.deepEqual(loadConfig({}).apiJsonLimits, { maxDepth: 64, maxValues: 1_000_000, maxString: 1024 * 1024 });
    assert.deepEqual(loadConfig({ API_MAX_JSON_DEPTH: '1000', API_MAX_JSON_VALUES: '50', API_MAX_JSON_STRING: '64kb' }).apiJsonLimits, {
      maxDepth: 1000,
      maxValues: 50,
      maxString: 65_536,
    });
    assert.throws(() => loadConfig({ API_MAX_JSON_DEPTH: '1001' }), /API_MAX_JSON_DEPTH must be between 1 and 1000/);
    assert.throws(() => loadConfig({ API_MAX_JSON_VALUES: '0' }), /API_MAX_JSON_VALUES/);
    assert.throws(() => loadConfig({ API_MAX_JSON_STRING: 'lots' }), /API_MAX_JSON_STRING/);
  });

  it('reads sizes as bytes or with a unit', () => {
    assert.equal(loadConfig({ API_MAX_REQUEST_SIZE: '10485760' }).apiMaxRequestSize, 10_485_760);
    assert.equal(loadConfig({ API_MAX_REQUEST_SIZE: '10MB' }).apiMaxRequestSize, 10_485_760);
    assert.equal(loadConfig({ API_MAX_REQUEST_SIZE: '512kb' }).apiMaxRequestSize, 524_288);
    assert.equal(loadConfig({ EMBEDDED_SHARED_BUFFERS: '64MB' }).embeddedSharedBuffers, 64 * 1024 * 1024);
    assert.equal(loadConfig({ EMBEDDED_WASM_OPTIMIZER: 'on' }).embeddedWasmOptimizer, true);
  });

  it('reads listen addresses, base paths and durations', () => {
    assert.deepEqual((({ listenHost, listenPort }) => ({ listenHost, listenPort }))(loadConfig({ LISTEN_ADDRESS: '[::1]:9000' })), {
      listenHost: '::1',
      listenPort: 9000,
    });
    assert.equal(loadConfig({ LISTEN_ADDRESS: ':8081' }).listenHost, '0.0.0.0');
    assert.equal(loadConfig({ BASE_PATH: '/collect/' }).basePath, '/collect');
    assert.equal(loadConfig({ SYSTEM_AUTH_CACHE_TTL: '10m' }).systemAuthCacheTtlSeconds, 600);
    assert.equal(loadConfig({ SYSTEM_AUTH_CACHE_TTL: '45' }).systemAuthCacheTtlSeconds, 45);
    assert.equal(loadConfig({ HEARTBEAT_WARNING_MINUTES: '5' }).heartbeatWarningMinutes, 5);
    assert.equal(loadConfig({ HEARTBEAT_WARNING_MINUTES: 'off' }).heartbeatWarningMinutes, 0);
    assert.equal(loadConfig({ DATABASE_CONNECT_TIMEOUT: '2s' }).databaseConnectTimeoutMs, 2000);
    assert.equal(loadConfig({ DATABASE_STATEMENT_TIMEOUT: '2m' }).databaseStatementTimeoutMs, 120_000);
    assert.equal(loadConfig({ DATABASE_STATEMENT_TIMEOUT: '0' }).databaseStatementTimeoutMs, 0);
  });

  it('reads the metrics store settings: retention per resolution in days, each at least the finer one', () => {
    const defaults = loadConfig({}).metrics;
    assert.deepEqual(defaults, {
      rawRetentionMs: 7 * 86_400_000,
      fiveMinuteRetentionMs: 90 * 86_400_000,
      hourRetentionMs: 730 * 86_400_000,
      rollupIntervalMs: 60_000,
      batchSize: 1000,
      maxPending: 20_000,
      remoteWriteUrl: undefined,
    });
    const set = loadConfig({
      METRICS_RAW_RETENTION: '36h',
      METRICS_5M_RETENTION: '30d',
      METRICS_REMOTE_WRITE_URL: 'http://prometheus:9090/api/v1/write',
    }).metrics;
    assert.equal(set.rawRetentionMs, 36 * 3_600_000);
    assert.equal(set.fiveMinuteRetentionMs, 30 * 86_400_000);
    assert.equal(set.remoteWriteUrl, 'http://prometheus:9090/api/v1/write');
    assert.throws(() => loadConfig({ METRICS_RAW_RETENTION: '2h' }), /METRICS_RAW_RETENTION must be at least 3h/);
    assert.throws(
      () => loadConfig({ METRICS_RAW_RETENTION: '30d', METRICS_5M_RETENTION: '7d' }),
      /METRICS_5M_RETENTION .* must be at least METRICS_RAW_RETENTION/,
    );
    assert.throws(() => loadConfig({ METRICS_1H_RETENTION: '30d' }), /METRICS_1H_RETENTION .* must be at least METRICS_5M_RETENTION/);
    assert.throws(() => loadConfig({ METRICS_RAW_RETENTION: 'a week' }), /METRICS_RAW_RETENTION must be a duration/);
  });

  it('reads SECRETS_KEY as 32 bytes of hex or base64', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, index) => index * 7));
    assert.equal(loadConfig({}).secretsKey, undefined);
    for (const text of [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64'), key.toString('base64url')]) {
      assert.deepEqual(loadConfig({ SECRETS_KEY: text }).secretsKey, key, text);
    }
  });

  it('turns single sign-on on with OIDC_ISSUER_URL, with defaults for the rest', () => {
    assert.equal(loadConfig({}).oidc, undefined);
    assert.equal(loadConfig({ OIDC_CLIENT_ID: 'muster' }).oidc, undefined, 'the client alone does not turn SSO on');
    const client = { OIDC_CLIENT_ID: 'muster', OIDC_CLIENT_SECRET: 'client-secret-value' };
    assert.deepEqual(loadConfig({ OIDC_ISSUER_URL: 'https://id.example.com/realms/ops', ...client }).oidc, {
      issuerUrl: 'https://id.example.com/realms/ops',
      clientId: 'muster',
      clientSecret: 'client-secret-value',
      scopes: 'openid email profile',
      rolesClaim: 'muster_roles',
      redirectUrl: undefined,
    });
    const custom = loadConfig({
      OIDC_ISSUER_URL: 'http://127.0.0.1:9000/',
      ...client,
      OIDC_SCOPES: ' openid  email groups ',
      OIDC_ROLES_CLAIM: 'https://muster.example/roles',
      OIDC_REDIRECT_URL: 'https://muster.example.com/collect/api/v1/session/oidc/callback',
    }).oidc;
    assert.equal(custom?.issuerUrl, 'http://127.0.0.1:9000/', 'kept as given: the issuer must match exactly');
    assert.equal(custom?.scopes, 'openid email groups');
    assert.equal(custom?.rolesClaim, 'https://muster.example/roles');
    assert.equal(custom?.redirectUrl, 'https://muster.example.com/collect/api/v1/session/oidc/callback');
  });

  it('refuses an incomplete or bad single sign-on setting, naming the variable', () => {
    const issuer = { OIDC_ISSUER_URL: 'https://id.example.com' };
    const cases: [Record<string, string>, string][] = [
      [{ OIDC_ISSUER_URL: 'id.example.com', OIDC_CLIENT_ID: 'm', OIDC_CLIENT_SECRET: 's' }, 'OIDC_ISSUER_URL'],
      [{ OIDC_ISSUER_URL: 'ftp://id.example.com', OIDC_CLIENT_ID: 'm', OIDC_CLIENT_SECRET: 's' }, 'OIDC_ISSUER_URL'],
      [{ ...issuer, OIDC_CLIENT_SECRET: 's' }, 'OIDC_CLIENT_ID'],
      [{ ...issuer, OIDC_CLIENT_ID: 'm' }, 'OIDC_CLIENT_SECRET'],
      [{ ...issuer, OIDC_CLIENT_ID: 'm', OIDC_CLIENT_SECRET: '  ' }, 'OIDC_CLIENT_SECRET'],
      [{ ...issuer, OIDC_CLIENT_ID: 'm', OIDC_CLIENT_SECRET: 's', OIDC_SCOPES: 'email profile' }, 'OIDC_SCOPES'],
      [{ ...issuer, OIDC_CLIENT_ID: 'm', OIDC_CLIENT_SECRET: 's', OIDC_ROLES_CLAIM: 'two words' }, 'OIDC_ROLES_CLAIM'],
      [{ ...issuer, OIDC_CLIENT_ID: 'm', OIDC_CLIENT_SECRET: 's', OIDC_REDIRECT_URL: '/api/v1/session/oidc/callback' }, 'OIDC_REDIRECT_URL'],
    ];
    for (const [env, name] of cases) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && error.message.startsWith(name),
        name,
      );
    }
  });

  it('stops on a bad value with a message naming the variable', () => {
    const cases: Record<string, string>[] = [
      { LISTEN_ADDRESS: 'localhost' },
      { LISTEN_ADDRESS: '127.0.0.1:99999' },
      { API_MAX_REQUEST_SIZE: 'huge' },
      { API_MAX_REQUEST_SIZE: '0' },
      { HEARTBEAT_TIMEOUT_MINUTES: 'ten' },
      { HEARTBEAT_TIMEOUT_MINUTES: '0' },
      { HEARTBEAT_WARNING_MINUTES: '-1' },
      { LOG_LEVEL: 'loud' },
      { DATABASE_URL: 'mysql://localhost/x' },
      { DATABASE_URL: 'not a url' },
      { BASE_PATH: 'collect' },
      { ADMIN_TOKEN: 'short' },
      { SYSTEM_KEY_PREFIX: 'neth' },
      { SYSTEM_AUTH_CACHE_TTL: '10 minutes' },
      { DATABASE_CONNECT_TIMEOUT: '5 seconds' },
      { DATABASE_STATEMENT_TIMEOUT: '2d' },
      { SECRETS_KEY: 'too-short' },
      { SECRETS_KEY: 'ab'.repeat(31) },
      { SECRETS_KEY: Buffer.alloc(31, 7).toString('base64') },
      { EMBEDDED_SHARED_BUFFERS: '64kB' },
      { EMBEDDED_SHARED_BUFFERS: '2GB' },
      { EMBEDDED_WASM_OPTIMIZER: 'yes' },
      { PASSWORD_MIN_LENGTH: '4' },
      { INVITATION_TTL_HOURS: '0' },
      { SESSION_IDLE_TIMEOUT_MINUTES: '1' },
      { SESSION_MAX_AGE_HOURS: '0' },
      { AUDIT_RETENTION_DAYS: '0' },
      { AUDIT_RETENTION_DAYS: 'forever' },
      { TRUST_PROXY: 'yes' },
      { TRUST_PROXY: '10.0.0.0/33' },
      { TRUST_PROXY: '10.0.0.1,proxy.example.com' },
      { TRUST_PROXY: '0' },
    ];
    for (const env of cases) {
      const name = Object.keys(env)[0]!;
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && error.message.startsWith(name),
        name,
      );
    }
    assert.throws(() => loadConfig({ HEARTBEAT_TIMEOUT_MINUTES: '5', HEARTBEAT_WARNING_MINUTES: '5' }), /HEARTBEAT_WARNING_MINUTES/);
  });
});
