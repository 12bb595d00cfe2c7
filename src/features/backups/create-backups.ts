import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/db.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import type { Systems } from '../systems/index.ts';
import { backupsAdminRoutes } from './backups-admin-routes.ts';
import { backupsRoutes } from './backups-routes.ts';
import { BACKUP_PURGE_QUEUE, createBackupsService } from './backups-service.ts';
import { createBackupsStore } from './backups-store.ts';
import { openBackupStorage } from './storage/open-backup-storage.ts';

export interface BackupsDeps {
  db: Db;
  clock: Clock;
  jobs: JobQueue;
  config: Pick<Config, 'dataDir' | 'backups'>;
  systems: Pick<Systems, 'service' | 'authenticator' | 'onDestroy'>;
}

/** Configuration backups of appliances: uploaded, listed, downloaded, kept within limits. */
export async function createBackups(deps: BackupsDeps) {
  const { db, clock, jobs, config, systems } = deps;
  const storage = await openBackupStorage({ dataDir: config.dataDir, s3: config.backups.s3 });
  const service = createBackupsService({ db, store: createBackupsStore(db), storage, jobs, clock, limits: config.backups });
  systems.onDestroy((tx, systemId) => service.purgeAllOf(tx, systemId));

  return {
    service,
    mount: {
      applianceRoutes: [backupsRoutes(service, systems.authenticator)],
      managementRoutes: [backupsAdminRoutes(service, systems.service)],
      queues: [
        {
          definition: { name: BACKUP_PURGE_QUEUE, retryLimit: 20, retryDelaySeconds: 10, retryDelayMaxSeconds: 3600, expireInSeconds: 600 },
          work: (queue) => queue.work<{ keys: string[] }>(BACKUP_PURGE_QUEUE, (job) => service.purge(job.keys), 1),
        },
      ],
      tasks: [{ name: 'backup-upload-log-prune', intervalMs: 3_600_000, run: () => service.pruneUploadLog() }],
    } satisfies FeatureMount,
  };
}
