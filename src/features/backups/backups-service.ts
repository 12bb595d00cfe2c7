import type { Readable } from 'node:stream';
import { v7 as uuidv7 } from 'uuid';
import type { Clock } from '../../clock/clock.ts';
import type { Config } from '../../config/config.ts';
import type { Db, Sql } from '../../db/db.ts';
import { AppError, BadRequestError, NotFoundError, PayloadTooLargeError, ServiceUnavailableError, TooManyRequestsError } from '../../errors/errors.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import { SizeMismatchError, TooLargeError, type BackupStorage } from './storage/backup-storage.ts';
import type { Backup, BackupsStore, SystemBackupUsage } from './backups-store.ts';

export const BACKUP_PURGE_QUEUE = 'backups.purge';

const EXTENSIONS = ['.tar.gz', '.tar.xz', '.tar.bz2', '.tar.zst', '.gpg', '.bin'];
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}(?:\.(?:tar\.gz|tar\.xz|tar\.bz2|tar\.zst|gpg|bin))?$/;

/** The BACKUP_* limits (maxSizePerOrganization 0: no quota). */
export type BackupLimits = Omit<Config['backups'], 's3'>;

/** Storage used per system, and the limits it counts against. */
export interface BackupUsage {
  systems: SystemBackupUsage[];
  /** BACKUP_MAX_SIZE_PER_ORG; null when there is no quota. */
  organizationQuotaBytes: number | null;
  /** BACKUP_MAX_SIZE_PER_SYSTEM and BACKUP_MAX_PER_SYSTEM: what retention keeps of each system. */
  systemMaxBytes: number;
  systemMaxBackups: number;
}

export interface BackupsServiceDeps {
  db: Db;
  store: BackupsStore;
  storage: BackupStorage;
  jobs: Pick<JobQueue, 'enqueue'>;
  clock: Clock;
  limits: BackupLimits;
}

export interface Uploader {
  systemId: string;
  organizationId: string;
  systemKey: string;
  ip: string | null;
}

/** `[A-Za-z0-9._-]` only, at most 255 characters, without any path. */
export function sanitizeFilename(raw: string | undefined, id: string): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 255);
  return clean === '' || /^\.+$/.test(clean) ? `backup-${id}` : clean;
}

export function extensionOf(filename: string): string {
  const lower = filename.toLowerCase();
  return EXTENSIONS.find((extension) => lower.endsWith(extension)) ?? '.bin';
}

/** Validates an id from a URL; 400 when it is not one Muster could have issued. */
export function assertBackupId(id: string): string {
  const normalized = id.toLowerCase();
  if (!ID_PATTERN.test(normalized)) throw new BadRequestError('invalid backup id');
  return normalized;
}

export interface BackupsService {
  upload(
    uploader: Uploader,
    body: Readable,
    headers: { contentLength: number | undefined; filename: string | undefined; contentType: string | undefined },
  ): Promise<Backup>;
  list(systemId: string): Promise<Backup[]>;
  get(systemId: string, id: string): Promise<Backup>;
  open(backup: Backup): Promise<{ stream: Readable; size: number }>;
  delete(systemId: string, id: string): Promise<void>;
  /** The purge job: removes objects whose rows are gone (idempotent). */
  purge(keys: readonly string[]): Promise<void>;
  usage(organizationIds?: readonly string[]): Promise<BackupUsage>;
  /** In the transaction that destroys a system: schedules removal of all its objects. */
  purgeAllOf(tx: Sql, systemId: string): Promise<void>;
  /** Forgets accepted uploads older than the longest rate window. */
  pruneUploadLog(): Promise<void>;
}

/**
 * Configuration backups: streamed to the store (never whole in memory), limited per upload, per
 * system and organization, and by rate; retention after each upload keeps the newest within the
 * per-system count and size. Objects are removed by a durable job enqueued in the transaction
 * that removes their rows, so a crash never leaves a row without its object.
 */
export function createBackupsService(deps: BackupsServiceDeps): BackupsService {
  const { db, store, storage, clock, limits } = deps;

  async function reserveUploadSlot(systemId: string): Promise<void> {
    const now = clock.now();
    await db.transaction(async (tx) => {
      await store.lockSystem(tx, systemId);
      const hour = (await store.recentUploads(tx, systemId, new Date(now.getTime() - 3_600_000))).map((at) => at.getTime());
      const minute = hour.filter((at) => at > now.getTime() - 60_000);
      const wait = (oldest: number, window: number) => Math.max(1, Math.ceil((oldest + window - now.getTime()) / 1000));
      if (minute.length >= limits.perMinute) throw rateLimited(wait(minute[minute.length - limits.perMinute]!, 60_000));
      if (hour.length >= limits.perHour) throw rateLimited(wait(hour[hour.length - limits.perHour]!, 3_600_000));
      await store.logUpload(tx, systemId, now);
    });
  }

  /** After an upload: keep the newest within the count and size limits; remove the rest. */
  async function applyRetention(systemId: string): Promise<void> {
    await db.transaction(async (tx) => {
      await store.lockSystem(tx, systemId);
      const backups = await store.listForSystem(systemId, tx);
      let total = 0;
      const doomed: Backup[] = [];
      backups.forEach((backup, index) => {
        total += backup.size;
        // The newest backup always stays, even when it alone is above the size limit.
        if (index > 0 && (index >= limits.maxPerSystem || total > limits.maxSizePerSystem)) doomed.push(backup);
      });
      if (doomed.length === 0) return;
      await store.delete(
        tx,
        doomed.map((backup) => backup.id),
      );
      await deps.jobs.enqueue(tx, BACKUP_PURGE_QUEUE, { keys: doomed.map((backup) => backup.objectKey) });
    });
  }

  return {
    async upload(
      uploader: Uploader,
      body: Readable,
      headers: { contentLength: number | undefined; filename: string | undefined; contentType: string | undefined },
    ): Promise<Backup> {
      const length = headers.contentLength;
      if (length === undefined || !Number.isSafeInteger(length) || length <= 0) throw new AppError(411, 'Content-Length required');
      if (length > limits.maxUploadSize) throw new PayloadTooLargeError('backup exceeds max upload size', { max_bytes: limits.maxUploadSize });
      await reserveUploadSlot(uploader.systemId);
      if (limits.maxSizePerOrganization > 0 && (await store.organizationUsage(uploader.organizationId)) + length > limits.maxSizePerOrganization) {
        throw new PayloadTooLargeError('organization backup quota exceeded', { max_bytes: limits.maxSizePerOrganization });
      }

      const uuid = uuidv7();
      const filename = sanitizeFilename(headers.filename, uuid);
      const id = `${uuid}${extensionOf(filename)}`;
      const objectKey = `${uploader.organizationId}/${uploader.systemKey}/${id}`;
      const mimetype = headers.contentType?.split(';')[0]?.trim() || 'application/octet-stream';
      let stored;
      try {
        stored = await storage.put(objectKey, body, {
          expectedSize: length,
          maxSize: limits.maxUploadSize,
          contentType: mimetype,
          metadata: { filename, 'uploader-ip': uploader.ip ?? '' },
        });
      } catch (error) {
        if (error instanceof SizeMismatchError) throw new BadRequestError('upload length mismatch');
        if (error instanceof TooLargeError) throw new PayloadTooLargeError('backup exceeds max upload size', { max_bytes: limits.maxUploadSize });
        if (body.destroyed || body.readableAborted) throw new BadRequestError('upload interrupted');
        throw new ServiceUnavailableError('backup storage unavailable', 30);
      }
      const backup: Backup = {
        id,
        systemId: uploader.systemId,
        organizationId: uploader.organizationId,
        objectKey,
        filename,
        size: stored.size,
        sha256: stored.sha256,
        mimetype,
        uploaderIp: uploader.ip,
        uploadedAt: clock.now(),
      };
      try {
        await db.transaction((tx) => store.insert(tx, backup));
      } catch (error) {
        await storage.delete(objectKey).catch(() => undefined);
        throw error;
      }
      await applyRetention(uploader.systemId);
      return backup;
    },

    list: (systemId: string) => store.listForSystem(systemId),

    async get(systemId: string, id: string): Promise<Backup> {
      const backup = await store.find(systemId, assertBackupId(id));
      if (!backup) throw new NotFoundError('backup not found');
      return backup;
    },

    async open(backup: Backup) {
      const object = await storage.get(backup.objectKey).catch(() => {
        throw new ServiceUnavailableError('backup storage unavailable', 30);
      });
      if (!object) throw new NotFoundError('backup not found');
      return object;
    },

    async delete(systemId: string, id: string): Promise<void> {
      const backup = await store.find(systemId, assertBackupId(id));
      if (!backup) throw new NotFoundError('backup not found');
      await db.transaction(async (tx) => {
        await store.delete(tx, [backup.id]);
        await deps.jobs.enqueue(tx, BACKUP_PURGE_QUEUE, { keys: [backup.objectKey] });
      });
    },

    async purge(keys: readonly string[]): Promise<void> {
      for (const key of keys) await storage.delete(key);
    },

    async usage(organizationIds?: readonly string[]): Promise<BackupUsage> {
      return {
        systems: await store.usageBySystem(organizationIds),
        organizationQuotaBytes: limits.maxSizePerOrganization > 0 ? limits.maxSizePerOrganization : null,
        systemMaxBytes: limits.maxSizePerSystem,
        systemMaxBackups: limits.maxPerSystem,
      };
    },

    async purgeAllOf(tx: Sql, systemId: string): Promise<void> {
      const all = await store.listForSystem(systemId, tx);
      if (all.length) await deps.jobs.enqueue(tx, BACKUP_PURGE_QUEUE, { keys: all.map((backup) => backup.objectKey) });
    },

    pruneUploadLog: () => store.pruneUploadLog(new Date(clock.now().getTime() - 3_600_000)),
  };
}

function rateLimited(retryAfterSeconds: number): TooManyRequestsError {
  return new TooManyRequestsError('upload rate limit exceeded', retryAfterSeconds);
}
