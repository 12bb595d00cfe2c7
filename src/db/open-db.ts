import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Db } from './db.ts';
import { openPgliteDb } from './pglite-db.ts';
import { openPostgresDb } from './postgres-db.ts';

/** PostgreSQL when DATABASE_URL is set, otherwise the embedded PGlite under DATA_DIR/pglite. */
export function openDb(
  config: Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'databaseConnectTimeoutMs' | 'databaseStatementTimeoutMs' | 'dataDir' | 'embeddedSharedBuffers'>,
  logger: Logger,
): Promise<Db> {
  if (config.databaseUrl) {
    return openPostgresDb({
      connectionString: config.databaseUrl,
      poolSize: config.databasePoolSize,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      logger,
    });
  }
  return openPgliteDb(path.join(config.dataDir, 'pglite'), { sharedBuffers: config.embeddedSharedBuffers });
}
