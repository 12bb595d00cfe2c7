import { join } from 'node:path';
import type { BackupStorage } from './backup-storage.ts';
import { createFilesystemStorage } from './filesystem-storage.ts';
import type { S3StorageOptions } from './s3-storage.ts';

export interface BackupStorageConfig {
  /** DATA_DIR; filesystem backups live in `${dataDir}/backups`. */
  dataDir: string;
  /** S3 is used when `s3.bucket` is a non-empty string (BACKUP_S3_BUCKET set). */
  s3?: S3StorageOptions | undefined;
}

/**
 * The configured backup store: an S3 bucket when one is configured, else files under DATA_DIR.
 * The AWS SDK is loaded only for S3: it alone is some 30 MB of resident memory.
 */
export async function openBackupStorage(config: BackupStorageConfig): Promise<BackupStorage> {
  if (config.s3 && config.s3.bucket !== '') {
    const { createS3Storage } = await import('./s3-storage.ts');
    return createS3Storage(config.s3);
  }
  return createFilesystemStorage(join(config.dataDir, 'backups'));
}
