import { createMuster } from './app.ts';
import { resolveAdminTokenHash } from './config/admin-token.ts';
import { ConfigError, loadConfig } from './config/config.ts';
import { resolveSecretsKey } from './config/secrets-key.ts';
import { migrate } from './db/migrate.ts';
import { openDb } from './db/open-db.ts';
import { createLogger } from './logging/logger.ts';
import { relaunchWithRuntimeSettings } from './memory/runtime-relaunch.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`muster: configuration error: ${error.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  relaunchWithRuntimeSettings(config);
  const logger = createLogger(config.logLevel);
  const adminTokenHash = await resolveAdminTokenHash(config.adminToken, config.dataDir, (token, file) => {
    // Printed straight to the terminal, never to the logs; only its hash is kept (in `file`).
    process.stderr.write(
      `\n  Muster generated an admin token for the management API (/api/v1):\n\n    ${token}\n\n` +
        `  It is shown only this once; its hash is in ${file}.\n  Set ADMIN_TOKEN, or delete that file and restart, to replace it.\n\n`,
    );
  });

  const secretsKey = await resolveSecretsKey(config.secretsKey, config.dataDir, (file) =>
    logger.info(
      { file },
      'generated the key that encrypts stored secrets; keep it (losing it means recreating webhooks), and set SECRETS_KEY on every node when running several',
    ),
  );

  const db = await openDb(config, logger);
  const applied = await migrate(db);
  if (applied.length) logger.info({ migrations: applied }, 'database migrated');

  const muster = await createMuster({ config, db, logger, adminTokenHash, secretsKey });
  await muster.start();
  // Without the api role the listener still answers /api/health and /metrics for monitoring.
  await muster.app.listen({ host: config.listenHost, port: config.listenPort });
  logger.info({ address: `${config.listenHost}:${config.listenPort}`, basePath: config.basePath || '/', database: db.kind }, 'muster is listening');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests in flight');
    const deadline = setTimeout(() => {
      logger.error('shutdown took longer than SHUTDOWN_TIMEOUT_MS; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    muster
      .stop()
      .then(() => db.close())
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'error while shutting down');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('muster: failed to start:', error);
  process.exit(1);
});
