import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import { createAuditedDb } from '../../db/audit-scope.ts';
import type { Db } from '../../db/db.ts';
import type { AuditTrailOptions } from '../../http/audit-trail.ts';
import { auditRoutes } from './audit-routes.ts';
import { createAuditService } from './audit-service.ts';
import { createAuditStore } from './audit-store.ts';

export interface AuditDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'auditRetentionDays'>;
}

const RETENTION_INTERVAL_MS = 3_600_000;

/**
 * The audit log: `db` for the features whose changes are audited (their first committing
 * transaction in an audited request carries the row), the trail the management API installs,
 * the log's route and its retention.
 */
export function createAudit(deps: AuditDeps) {
  const { clock } = deps;
  const store = createAuditStore(deps.db);
  const service = createAuditService({ clock, store, retentionDays: deps.config.auditRetentionDays });
  const trail: AuditTrailOptions = {
    clock,
    logger: deps.logger,
    record: (entry) => deps.db.transaction((tx) => store.insert(tx, entry)),
    correctStatus: (id, httpStatus) => store.setStatus(id, httpStatus),
  };
  return {
    /** `db`, with changes made during audited requests carrying their audit row. */
    db: createAuditedDb(deps.db, (tx, entry) => store.insert(tx, entry)),
    trail,
    service,
    mount: {
      managementRoutes: [auditRoutes(service)],
      // Idempotent and bounded, so running on several schedulers at once does no harm.
      tasks: [{ name: 'audit-retention', intervalMs: RETENTION_INTERVAL_MS, run: () => service.pruneExpired() }],
    } satisfies FeatureMount,
  };
}

export type Audit = ReturnType<typeof createAudit>;
