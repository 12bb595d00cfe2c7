import { join } from 'node:path';
import type { BackupStorage } from './backup-storage.ts';
import { createFilesystemStorage } from './filesystem-storage.ts';
import { createS3Storage, type S3StorageOptions } from './s3-storage.ts';

export interface BackupStorageConfig {
  /** DATA_DIR; filesystem backups live in `${dataDir}/backups`. */
  dataDir: string;
  /** S3 is used when `s3.bucket` is a non-empty string (BACKUP_S3_BUCKET set). */
  s3?: S3StorageOptions | undefined;
}

/** The configured backup store: an S3 bucket when one is configured, else files under DATA_DIR. */
export function openBackupStorage(config: BackupStorageConfig): BackupStorage {
  if (config.s3 && config.s3.bucket !== '') return createS3Storage(config.s3);
  return createFilesystemStorage(join(config.dataDir, 'backups'));
}
