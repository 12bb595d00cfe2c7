export { createBackups, type BackupsDeps } from './create-backups.ts';
